"""For merging branches written before the one-way layers: rewrites the old import paths, URL names,
admin URL names and template paths of the moved pieces in the files given (Python, templates, settings).

    python bin/rewrite_layer_imports.py $(git diff --name-only main...) && ruff check --fix . && ruff format .

Idempotent. A merge tool only: delete it once every branch is merged.
"""

import re
import sys
from pathlib import Path

MODULES = {
    "hub.permissions": "partyorgs.permissions",
    "hub.adapters": "partyorgs.adapters",
    "hub.forms": "partyorgs.forms",
}
NAMES = {  # old module: (new module, names that moved)
    "hub.models": ("partyorgs.models", {"Role", "Invitation", "_invitation_token"}),
    "hub.services": (
        "partyorgs.services",
        {
            "invitation_create",
            "invitation_revoke",
            "invitation_accept",
            "INVITATION_DAYS",
            "_invitation_allowed",
        },
    ),
    "hub.selectors": ("partyorgs.selectors", {"invitation_get_usable", "invitations_visible", "roles_of"}),
    "hub.views": (
        "partyorgs.views",
        {"account", "notifications_read", "invitations", "invitation_revoke", "invitation_open"},
    ),
    "livestreams.models.sales": (
        "livestreams.models.studios",
        {"Studio", "StudioBooking", "TsTzRange", "PostgresOnlyExclusionConstraint"},
    ),
    "livestreams.models.classes": ("livestreams.models.reminders", {"Reminder"}),
    "livestreams.admin.sales": ("livestreams.admin.studios", {"StudioAdmin", "StudioBookingAdmin"}),
    "livestreams.admin.classes": ("livestreams.admin.reminders", {"ReminderAdmin"}),
    "hub.dashboards.selectors": ("partyorgs.models", {"_ancestor_paths"}),
    "livestreams.permissions": ("partyorgs.models", {"_ancestor_paths"}),
}
TEXT = [  # URL names, admin URL names, template paths, settings strings
    (r"\bhub:home\b", "dashboards:home"),
    (r"\bhub:(account|notifications_read|invitations|invitation_revoke|invitation_open)\b", r"partyorgs:\1"),
    (r"\badmin:hub_(role|invitation)_", r"admin:partyorgs_\1_"),
    (r"/admin/hub/(role|invitation)/", r"/admin/partyorgs/\1/"),
    (r"([\"'])hub/home\.html", r"\1hub/dashboards/home.html"),
    (r"([\"'])hub/(account|invitations|invitation_open|invitation_invalid)\.html", r"\1partyorgs/\2.html"),
    (r"([\"'])hub/emails/invitation", r"\1partyorgs/emails/invitation"),
    (r"\bhub\.views\.home\b", "hub.dashboards.views.home"),
    (r"\b_ancestor_paths\(", "ancestor_paths("),
    (r"([\"'])livestreams/(sales|classes)/_field\.html", r"\1includes/field.html"),  # one field partial
]
SINGLE = re.compile(r"^(\s*)from ([\w.]+) import (?!\()([^\n]+)$", re.M)
PAREN = re.compile(r"^(\s*)from ([\w.]+) import \(([^)]*)\)", re.M)


def split(indent, mod, names):
    if mod not in NAMES:
        return None
    new_mod, moved = NAMES[mod]
    keep = [n for n in names if n.split(" as ")[0] not in moved]
    mv = [n for n in names if n.split(" as ")[0] in moved]
    if not mv:
        return None
    mv = ["ancestor_paths" if n == "_ancestor_paths" else n for n in mv]
    lines = [f"{indent}from {m} import {', '.join(ns)}" for m, ns in ((mod, keep), (new_mod, mv)) if ns]
    return "\n".join(lines)


def rewrite(src: str) -> str:
    for old, new in MODULES.items():
        src = re.sub(rf"\b{re.escape(old)}\b", new, src)
    src = SINGLE.sub(
        lambda m: split(m[1], m[2], [n.strip() for n in m[3].split("#")[0].split(",") if n.strip()]) or m[0],
        src,
    )
    src = PAREN.sub(
        lambda m: (
            split(
                m[1],
                m[2],
                [
                    n.strip()
                    for n in m[3].replace("\n", ",").split(",")
                    if n.strip() and not n.strip().startswith("#")
                ],
            )
            or m[0]
        ),
        src,
    )
    for pattern, repl in TEXT:
        src = re.sub(pattern, repl, src)
    return src


for name in sys.argv[1:]:
    path = Path(name)
    old = path.read_text()
    new = rewrite(old)
    if new != old:
        path.write_text(new)
        print("rewrote", name)
