from django.shortcuts import render

from livestreams.permissions import get_session_for_user


def room(request, pk: int):
    """The live room. The live parts (player, counts, comments) are built by the live-rooms work."""
    session, can_manage = get_session_for_user(request.user, pk)
    return render(request, "livestreams/room.html", {"session": session, "can_manage": can_manage})
