"""For anonymous viewers of a public session: sign up (or in) with a mobile number and an SMS code right from
the room, and come straight back to it able to comment (partyorgs/phone.py)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse

from livestreams.models import LiveSession
from livestreams.views.room_registry import RoomPagePart, room_page_part
from partyorgs.phone import phone_signup_link


@room_page_part
def phone_signup(request, session, can_manage: bool) -> RoomPagePart | None:
    if request.user.is_authenticated or session.visibility != LiveSession.Visibility.PUBLIC:
        return None
    if session.status == LiveSession.Status.DRAFT:
        return None
    room_path = reverse("livestreams:room", args=[session.pk])
    return RoomPagePart(
        templates={"side": ["livestreams/room/_phone_signup.html"]},
        context={
            "phone_signup_url": reverse("partyorgs:phone_signup")
            + "?"
            + urlencode({"room": phone_signup_link(room_path)}),
        },
    )
