"""Reads of the Party organization registry, always through the viewer's scope.

The tree page and an organization's page run a fixed number of queries whatever the size of the tree:
one for the organizations (a materialized-path prefix query, ordered by path), one for the member counts
grouped by branch; subtree totals are summed in Python from the paths.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from hub.models import User
from partyorgs.permissions import Scope, get_object_in_scope, get_scope

from .models import (
    Alliance,
    Building,
    Enterprise,
    Incubator,
    IncubatorTenant,
    Invitation,
    PartyMember,
    PartyOrganization,
    Role,
    RosterChange,
    RosterImport,
    ancestor_paths,
    member_current_q,
)

# --- Party organizations -------------------------------------------------------------------------


def org_visible_q(scope: Scope) -> Q:
    return scope.visible_orgs_q()


def _top_paths(paths: list[str]) -> list[str]:
    """The paths of `paths` (sorted) that are not below another one of them."""
    tops: list[str] = []
    for p in paths:
        if not tops or not p.startswith(tops[-1]):
            tops.append(p)
    return tops


def member_counts_by_path(top_paths: list[str]) -> Counter[str]:
    """{branch path: number of members} for every branch in the subtrees of top_paths, in one query."""
    if not top_paths:
        return Counter()
    q = Q()
    for p in top_paths:
        q |= Q(branch__path__startswith=p)
    rows = (
        PartyMember.objects.filter(q, member_current_q(timezone.localdate()))
        .values("branch__path")
        .annotate(n=Count("id"))
        .order_by()
    )
    return Counter({r["branch__path"]: r["n"] for r in rows})


def subtree_totals(counts: Counter[str], paths: Iterable[str]) -> dict[str, int]:
    """{path: members in it and below it} for the given paths, from per-branch counts."""
    wanted = set(paths)
    totals = dict.fromkeys(wanted, 0)
    for branch_path, n in counts.items():
        for prefix in ancestor_paths(branch_path):
            if prefix in wanted:
                totals[prefix] += n
    return totals


@dataclass
class TreeRow:
    """One organization of the tree page, with what a nested list needs to open and close its levels."""

    org: PartyOrganization
    level: int  # 0 for the organizations at the top of what the user sees
    members: int  # directly in this organization
    total: int  # in it and below it
    opens: bool = False  # a nested list of children starts after this row
    closes: list[int] = field(default_factory=list)  # nested lists that end after this row


def org_tree(*, user: User) -> list[TreeRow]:
    """The organizations the user may see, as a forest ordered by path, with member counts."""
    scope = get_scope(user)
    orgs = list(
        PartyOrganization.objects.filter(org_visible_q(scope))
        .select_related("region")
        .order_by("path")
        .only("id", "path", "depth", "numchild", "name", "kind", "secretary_name", "region__name")
    )
    paths = [o.path for o in orgs]
    counts = member_counts_by_path(_top_paths(paths))
    totals = subtree_totals(counts, paths)

    rows: list[TreeRow] = []
    # Paths of the visible ancestors of the current row: its level in the page. An organization whose
    # parent the user may not see is shown at the top.
    stack: list[str] = []
    for org in orgs:
        while stack and not org.path.startswith(stack[-1]):
            stack.pop()
        rows.append(
            TreeRow(
                org=org,
                level=len(stack),
                members=counts.get(org.path, 0),
                total=totals[org.path],
            )
        )
        stack.append(org.path)
    # Open/close markers for nested <ul>s.
    for i, row in enumerate(rows):
        nxt = rows[i + 1].level if i + 1 < len(rows) else 0
        row.opens = nxt > row.level
        row.closes = list(range(row.level - nxt)) if nxt < row.level else []
    return rows


def org_get_for_user(*, user: User, pk: int) -> tuple[PartyOrganization, bool]:
    """(organization, can_manage) for one the user may see; 404 for any other."""
    scope = get_scope(user)
    org = get_object_in_scope(PartyOrganization.objects.select_related("region"), org_visible_q(scope), pk=pk)
    return org, scope.manages_org_path(org.path)


@dataclass
class OrgDetail:
    org: PartyOrganization
    can_manage: bool
    can_see_members: bool
    ancestors: list[PartyOrganization]
    children: list[tuple[PartyOrganization, int]]  # (child, members in its subtree)
    members_here: int
    members_total: int
    members: list[PartyMember]
    enterprises: list[Enterprise]
    buildings: list[Building]
    alliances: list[Alliance]


def org_detail(*, user: User, pk: int) -> OrgDetail:
    scope = get_scope(user)
    org, can_manage = org_get_for_user(user=user, pk=pk)
    visible_q = org_visible_q(scope)
    ancestors = list(
        PartyOrganization.objects.filter(visible_q, path__in=ancestor_paths(org.path)[:-1]).order_by("path")
    )
    children = list(
        PartyOrganization.objects.filter(visible_q, path__startswith=org.path, depth=org.depth + 1).order_by(
            "path"
        )
    )
    counts = member_counts_by_path([org.path])
    totals = subtree_totals(counts, [org.path, *(c.path for c in children)])
    # The roster is for those who manage the organization and for officials of its region (read-only).
    can_see_members = can_manage or org.region_id in scope.region_ids
    members = (
        list(
            PartyMember.objects.filter(member_current_q(timezone.localdate()), branch=org)
            .select_related("user")
            .order_by("user__name", "user__email")
        )
        if can_see_members
        else []
    )
    return OrgDetail(
        org=org,
        can_manage=can_manage,
        can_see_members=can_see_members,
        ancestors=ancestors,
        children=[(c, totals[c.path]) for c in children],
        members_here=counts.get(org.path, 0),
        members_total=totals[org.path],
        members=members,
        enterprises=list(
            Enterprise.objects.filter(enterprise_visible_q(scope), party_organization=org)
            .select_related("building")
            .order_by("name")
        ),
        buildings=list(Building.objects.filter(party_organization=org).order_by("name")),
        alliances=list(Alliance.objects.filter(Q(organizations=org) | Q(lead_organization=org)).distinct()),
    )


def orgs_managed(*, user: User) -> QuerySet[PartyOrganization]:
    """Organizations the user manages (their subtrees), for choosers such as the invitation form."""
    # PartyOrganization's manager comes from treebeard, which has no types.
    orgs: QuerySet[PartyOrganization] = PartyOrganization.objects.filter(get_scope(user).managed_orgs_q())
    return orgs.order_by("path")


# --- Enterprises -----------------------------------------------------------------------------------


def enterprise_visible_q(scope: Scope) -> Q:
    """Enterprises of the scope; a member also sees the enterprises whose Party organization is their branch."""
    q = scope.visible_enterprises_q()
    if scope.branch_id is not None and not scope.is_staff:
        q |= Q(party_organization_id=scope.branch_id)
    return q


def enterprises_visible(*, user: User) -> QuerySet[Enterprise]:
    return Enterprise.objects.filter(enterprise_visible_q(get_scope(user))).distinct()


def enterprise_list(
    *,
    user: User,
    industry: str = "",
    building: Building | None = None,
    alliance: Alliance | None = None,
    q: str = "",
) -> QuerySet[Enterprise]:
    qs = enterprises_visible(user=user).select_related("building", "alliance", "party_organization", "region")
    if industry:
        qs = qs.filter(industry=industry)
    if building is not None:
        qs = qs.filter(building=building)
    if alliance is not None:
        qs = qs.filter(alliance=alliance)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(credit_code__iexact=q))
    return qs.order_by("name", "id")


def enterprise_filter_choices(*, user: User) -> tuple[QuerySet[Building], QuerySet[Alliance]]:
    """The buildings and alliances that the user's enterprises are in: the filter offers only those."""
    visible = enterprises_visible(user=user)
    buildings = Building.objects.filter(pk__in=visible.values("building")).order_by("name")
    alliances = Alliance.objects.filter(pk__in=visible.values("alliance")).order_by("name")
    return buildings, alliances


def enterprise_get_for_user(*, user: User, pk: int) -> tuple[Enterprise, bool]:
    """(enterprise, can_manage) for an enterprise in the user's scope; 404 for any other."""
    scope = get_scope(user)
    ent = get_object_in_scope(
        Enterprise.objects.select_related("building", "alliance", "party_organization", "region"),
        enterprise_visible_q(scope),
        pk=pk,
    )
    can_manage = scope.is_staff or ent.pk in scope.enterprise_ids
    return ent, can_manage


# --- Incubators ------------------------------------------------------------------------------------


def incubator_visible_q(scope: Scope) -> Q:
    """Incubators in the official's region, in a building of an organization the user may see,
    or hosting one of the merchant's enterprises."""
    if scope.is_staff:
        return Q()
    q = Q(pk__in=[])
    if scope.region_ids:
        q |= Q(building__region_id__in=scope.region_ids)
    if scope.organizer_paths or scope.branch_path or scope.enterprise_org_ids:
        q |= scope.visible_orgs_q("building__party_organization__")
    if scope.enterprise_ids:
        q |= Q(
            pk__in=IncubatorTenant.objects.filter(enterprise_id__in=scope.enterprise_ids).values("incubator")
        )
    return q


def incubator_list(*, user: User) -> list[Incubator]:
    scope = get_scope(user)
    tenants = IncubatorTenant.Status
    return list(
        Incubator.objects.filter(incubator_visible_q(scope))
        .select_related("building")
        .annotate(
            tenants_in=Count("tenants", filter=Q(tenants__status=tenants.MOVED_IN)),
            tenants_graduated=Count("tenants", filter=Q(tenants__status=tenants.GRADUATED)),
            workstations_used=Sum("tenants__workstations", filter=Q(tenants__status=tenants.MOVED_IN)),
        )
        .order_by("name")
    )


def incubator_get_for_user(*, user: User, pk: int) -> Incubator:
    return get_object_in_scope(
        Incubator.objects.select_related("building", "building__region"),
        incubator_visible_q(get_scope(user)),
        pk=pk,
    )


def incubator_tenants(*, incubator: Incubator, status: str = "") -> list[IncubatorTenant]:
    qs = incubator.tenants.select_related("enterprise")
    if status:
        qs = qs.filter(status=status)
    return list(qs.order_by("status", "moved_in_on", "name"))


# --- Roles and invitations ------------------------------------------------------------------------


def invitation_get_usable(*, token: str) -> Invitation | None:
    return (
        Invitation.objects.filter(
            token=token, accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
        )
        .select_related("organization", "region", "enterprise", "created_by")
        .first()
    )


def invitations_visible(*, user: User) -> QuerySet[Invitation]:
    """Invitations the user sent or that concern an organization they manage; all of them for staff."""
    scope = get_scope(user)
    qs = Invitation.objects.select_related(
        "organization", "region", "enterprise", "created_by", "accepted_by"
    )
    if scope.is_staff:
        return qs
    return qs.filter(Q(created_by=user) | Q(organization__in=_managed_orgs(scope)))


def _managed_orgs(scope: Scope) -> QuerySet[PartyOrganization, dict[str, Any]]:
    orgs: QuerySet[PartyOrganization] = PartyOrganization.objects.filter(
        scope.managed_orgs_q()
    )  # treebeard: untyped
    return orgs.values("pk")


def roles_of(*, user: User) -> list[Role]:
    return list(
        Role.objects.filter(user=user).select_related("region", "organization", "enterprise").order_by("kind")
    )


def invitation_acceptable_by(*, invitation: Invitation, user: User) -> bool:
    """May this signed-in person accept? When the invitation's address (or number) is theirs; or when they
    have none of that kind and no account has it, since the link proves they received it (accepting then
    puts it on their account, verified)."""
    if invitation.phone:
        if user.phone:
            return user.phone == invitation.phone
        return not User.objects.filter(phone=invitation.phone).exists()
    if user.email:
        return user.email.lower() == invitation.email.lower()
    return not User.objects.filter(email__iexact=invitation.email).exists()


# --- The roster ------------------------------------------------------------------------------------------

ROSTER_IMPORT_STALE_AFTER = timedelta(minutes=5)


def roster_branch_get(*, user: User, pk: int) -> PartyOrganization:
    """A branch whose roster the user keeps (an organizer of its subtree, or staff); 404 for any other."""
    scope = get_scope(user)
    branch: PartyOrganization | None = (
        PartyOrganization.objects.filter(scope.managed_orgs_q(), pk=pk, kind=PartyOrganization.Kind.BRANCH)
        .select_related("region")
        .first()
    )
    if branch is None:
        raise Http404
    return branch


def roster_members(*, branch: PartyOrganization) -> list[PartyMember]:
    """Every member record of the branch, those still in it first, then those who left (most recent first)."""
    members = list(PartyMember.objects.filter(branch=branch).select_related("user"))
    current = [m for m in members if m.left_on is None or m.left_on > timezone.localdate()]
    left = [m for m in members if m not in current]
    current.sort(key=lambda m: (m.user.name or "\uffff", m.user.email or "", m.user.phone or "", m.pk))
    left.sort(key=lambda m: (m.left_on, m.pk), reverse=True)
    return current + left


def member_get_for_manager(*, user: User, pk: int) -> PartyMember:
    """A member of a branch the user keeps the roster of; 404 for any other."""
    scope = get_scope(user)
    member: PartyMember | None = (
        PartyMember.objects.filter(scope.managed_orgs_q("branch__"), pk=pk)
        .select_related("user", "branch")
        .first()
    )
    if member is None:
        raise Http404
    return member


def member_changes(*, member: PartyMember) -> list[RosterChange]:
    return list(RosterChange.objects.filter(member=member).select_related("user")[:50])


def roster_import_get_for_user(*, user: User, pk: int) -> RosterImport:
    """One of the user's own roster imports (404 otherwise); a check that never finished is shown failed."""
    job: RosterImport | None = (
        RosterImport.objects.filter(pk=pk, user=user).select_related("branch").defer("content").first()
    )
    if job is None:
        raise Http404
    unfinished = job.state in (RosterImport.State.QUEUED, RosterImport.State.CHECKING)
    if unfinished and job.created_at < timezone.now() - ROSTER_IMPORT_STALE_AFTER:
        job.state = RosterImport.State.FAILED
    return job
