"""The permission matrix: every page × every persona (and anonymous) → the expected status.

Each area has one module here with two functions:

    def setup(w):   # create what the area's pages need; store it on w (w has the `world` objects as w.world
                    # and the personas as w.organizer, w.merchant, w.official, w.member, w.outsider, w.staff)
    def pages(w):   # yield (url, {persona: status}); personas left out expect DEFAULT (see below)

Status 302 for anonymous means "redirected to sign in". A persona not named in the dict is expected to get the
`default` status given as a third element, or 404 when absent (outside their scope, a page does not exist).
"""

import importlib
import pkgutil

PERSONAS = ["organizer", "merchant", "official", "member", "outsider", "staff", "anonymous"]


def area_modules():
    return [importlib.import_module(f"{__name__}.{m.name}") for m in pkgutil.iter_modules(__path__)]
