"""Sign-in (签到) in the live room ("stage" slot), the share card's links for those who manage the session
("host" slot) and the session's real audience for the room's facts. The socket side is
livestreams/consumers/parts/checkin.py; static/js/room_checkin.js (also "tap for sound" and the peak)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from livestreams.models import SessionAudience
from livestreams.selectors.checkin import checkin_state
from livestreams.views.room_registry import RoomPagePart, room_page_part


@room_page_part
def checkin_part(request, session, can_manage: bool) -> RoomPagePart | None:
    state = checkin_state(user=request.user, session=session, can_manage=can_manage)
    templates: dict[str, list[str]] = {"host": ["livestreams/room/_share_host.html"]}
    if state is not None and (state["eligible"] or can_manage):
        templates["stage"] = ["livestreams/room/_checkin.html"]
    return RoomPagePart(
        templates=templates,
        context={
            "checkin": state,
            "room_audience": list(
                SessionAudience.objects.filter(session=session)
                .select_related("organization")
                .order_by("organization__path")
            ),
        },
        config={"checkin": state},
        i18n={
            "checkinDone": _("Signed in at %(time)s"),
            "checkinCount": _("%(n)s signed in"),
            "checkinWait": _("Sign-in opens when the class is live."),
        },
        scripts=["js/room_checkin.js"],
    )
