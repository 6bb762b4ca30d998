"""The host's console (issue 15): ending a class now, and the co-hosts who moderate it."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hub.models import User
from livestreams.models import LiveSession
from livestreams.permissions import can_manage, managed_q
from livestreams.selectors.console import cohost_candidates
from livestreams.services.sessions import session_end
from partyorgs.permissions import get_scope

S = LiveSession.Status


@transaction.atomic
def session_end_now(*, user: User, session: LiveSession, now: datetime | None = None) -> bool:
    """A manager ends a live session at once (the room turns "ended" for every viewer; a push still going on
    is cut by the media server at its next update, as the key is no longer valid). True when this call ended it."""
    if not can_manage(user, session):
        raise PermissionDenied
    if session.status != S.LIVE:
        raise ValidationError(_("Only a live session can be ended."))
    return session_end(session_id=session.pk, now=now or timezone.now())


def _require_organizer(user: User, session: LiveSession) -> None:
    """Co-hosts are named by the managers of the session other than its hosts (the organizers above the host
    organization, the host enterprise's merchants, staff): a co-host cannot name more co-hosts."""
    if not LiveSession.objects.filter(managed_q(get_scope(user)), pk=session.pk).exists():
        raise PermissionDenied


@transaction.atomic
def session_cohost_add(*, user: User, session: LiveSession, cohost_id: int) -> User:
    _require_organizer(user, session)
    cohost = cohost_candidates(session).filter(pk=cohost_id).first()
    if cohost is None:
        raise ValidationError({"cohost": _("Choose a member of the host organization or of the audience.")})
    session.hosts.add(cohost)
    return cohost


@transaction.atomic
def session_cohost_remove(*, user: User, session: LiveSession, cohost_id: int) -> bool:
    _require_organizer(user, session)
    removed = session.hosts.filter(pk=cohost_id).exists()
    session.hosts.remove(cohost_id)
    return removed
