"""Phone sign-in pages (issue 14): the profile, allauth's SMS code and number pages, the phone sign-up that a
public room opens, and WeChat's (absent unless configured)."""

from django.urls import reverse

from livestreams.models import LiveSession
from partyorgs.phone import phone_signup_link
from tests import factories as f

SIGNED_IN = ["organizer", "merchant", "official", "member", "outsider", "staff"]


def setup(w):
    w.public_session = f.LiveSessionFactory(
        host_organization=w.world.root_a,
        status=LiveSession.Status.LIVE,
        visibility=LiveSession.Visibility.PUBLIC,
    )


def pages(w):
    signed_in_only = {**dict.fromkeys(SIGNED_IN, 200), "anonymous": 302}
    anonymous_only = {**dict.fromkeys(SIGNED_IN, 302), "anonymous": 200}
    # My profile: anyone signed in, for themselves.
    yield "/accounts/profile/", signed_in_only
    # Adding or changing one's number; the code page sends back to it when no code is pending.
    yield "/accounts/phone/change/", signed_in_only
    yield "/accounts/phone/verify/", {**dict.fromkeys(SIGNED_IN, 302), "anonymous": 302}
    # Sign in with an SMS code (signed-in people are sent on); its code page needs a pending code.
    yield "/accounts/login/code/", anonymous_only
    yield "/accounts/login/code/confirm/", dict.fromkeys([*SIGNED_IN, "anonymous"], 302)
    # Phone sign-up: a page explaining where it opens, or the form with a public room's signed link.
    room = reverse("livestreams:room", args=[w.public_session.pk])
    yield "/accounts/phone/signup/", anonymous_only
    yield f"/accounts/phone/signup/?room={phone_signup_link(room)}", anonymous_only
    yield "/accounts/phone/signup/code/", dict.fromkeys([*SIGNED_IN, "anonymous"], 302)
    # WeChat is not configured in the tests: its pages do not exist.
    yield "/accounts/weixin/login/", dict.fromkeys([*SIGNED_IN, "anonymous"], 404)
