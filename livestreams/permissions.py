"""Who may watch, comment in, moderate and manage a live session.

- Managers: organizers of the host organization or above it, merchants of the host enterprise, the
  session's hosts, hub staff. They see drafts and moderate the room.
- Audience: Party members whose branch is in the session's audience (an audience organization with its
  subtree, or a member organization of the audience alliance), plus the managers.
- Officials see (read-only) every session of their region.
- Anyone may watch a public session that is not a draft; signed-in people may comment in it.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q
from django.http import Http404

from partyorgs.models import AllianceMembership, ancestor_paths
from partyorgs.permissions import EVERYTHING, Scope, get_scope

from .models import LiveSession, SessionAudience


def audience_q(scope: Scope) -> Q:
    """LiveSession rows whose audience includes the member's branch."""
    if not scope.branch_path:
        return Q(pk__in=[])
    ancestors = ancestor_paths(scope.branch_path)
    in_orgs = SessionAudience.objects.filter(session=OuterRef("pk")).filter(
        Q(organization_id=scope.branch_id) | Q(include_subtree=True, organization__path__in=ancestors)
    )
    in_alliance = AllianceMembership.objects.filter(
        alliance=OuterRef("audience_alliance"), organization__path__in=ancestors
    )
    return Q(Exists(in_orgs)) | Q(Exists(in_alliance))


def managed_q(scope: Scope, user_id: int | None = None) -> Q:
    """LiveSession rows the user manages (hosts, organizers above the host, the host enterprise's merchants)."""
    if scope.is_staff:
        return EVERYTHING
    q = Q(pk__in=[])
    if scope.organizer_paths:
        q |= scope.managed_orgs_q("host_organization__")
    if scope.enterprise_ids:
        q |= Q(host_enterprise_id__in=scope.enterprise_ids)
    if user_id is not None:
        q |= Q(
            Exists(LiveSession.hosts.through.objects.filter(livesession_id=OuterRef("pk"), user_id=user_id))
        )
    return q


def visible_q(user) -> Q:
    """Sessions a user may open (watch), drafts only for their managers."""
    scope = get_scope(user)
    not_draft = ~Q(status=LiveSession.Status.DRAFT)
    public = Q(visibility=LiveSession.Visibility.PUBLIC) & not_draft
    if not scope.is_authenticated:
        return public
    if scope.is_staff:
        # managed_q is the empty Q() for staff, and `public | Q()` would be just `public`.
        return Q()
    uid = user.pk
    q = public | managed_q(scope, uid)
    q |= audience_q(scope) & not_draft
    if scope.region_ids:
        q |= Q(region_id__in=scope.region_ids) & not_draft
    return q


def can_manage(user, session: LiveSession) -> bool:
    scope = get_scope(user)
    if not scope.is_authenticated:
        return False
    return LiveSession.objects.filter(managed_q(scope, user.pk), pk=session.pk).exists()


def in_audience(user, session: LiveSession) -> bool:
    """May comment: signed in, and in the audience (any signed-in person for a public session)."""
    scope = get_scope(user)
    if not scope.is_authenticated or session.status == LiveSession.Status.DRAFT:
        return False
    if session.visibility == LiveSession.Visibility.PUBLIC:
        return True
    return LiveSession.objects.filter(audience_q(scope) | managed_q(scope, user.pk), pk=session.pk).exists()


def get_session_for_user(user, pk) -> tuple[LiveSession, bool]:
    """(session, can_manage) for a session the user may see; 404 for anything else."""
    session = (
        LiveSession.objects.filter(visible_q(user), pk=pk)
        .select_related("host_organization", "host_enterprise", "region")
        .first()
    )
    if session is None:
        raise Http404
    return session, can_manage(user, session)
