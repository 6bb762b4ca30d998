from partyorgs.permissions import get_scope


def scope(request):
    """The viewer's scope for every template (the nav shows each area to the roles it is for)."""
    user = getattr(request, "user", None)
    return {"scope": get_scope(user) if user is not None else None}
