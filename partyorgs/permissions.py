"""Who may see and change what. Every view and consumer asks these helpers, never the models directly.

Scopes:
- official: read-only over a region (a district includes its subdistricts);
- organizer: manages a Party organization and everything below it;
- merchant: manages one enterprise;
- member: belongs to one branch (their PartyMember record);
- hub staff (is_staff): everything.

Refusals, one rule for every view and consumer (docs/development.md repeats it):
- not signed in, on a page that needs an account → the sign-in page (then back);
- signed in, but the page or action needs a role the user does not hold (a member at /dashboard/) → 403;
- an object outside the user's scope (another region's class, another enterprise's session) → 404, exactly as
  if it did not exist: `get_object_in_scope`, so that ids reveal nothing;
- an object the user may see but not change (a class one may watch, its stream-key page) → 403.
Both refusals are the site's pages (templates/403.html, 404.html: what happened, where to go); the
permission matrix (tests/test_permission_matrix.py) checks the status and the layout of every page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import wraps
from typing import Any, TypeVar

from django.db.models import Model, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from partyorgs.models import Enterprise, PartyMember, Region, Role, ancestor_paths, member_current_q

# A condition every row meets. Not Q(): Django drops an empty Q from an OR, so `x | Q()` would mean `x`.
EVERYTHING = Q(pk__isnull=False)

M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class Scope:
    is_authenticated: bool = False
    is_staff: bool = False
    region_ids: frozenset[int] = field(default_factory=frozenset)  # official, descendants included
    organizer_paths: tuple[str, ...] = ()  # treebeard paths of the organizations managed
    organizer_org_ids: frozenset[int] = field(default_factory=frozenset)  # the roots, not the subtree
    enterprise_ids: frozenset[int] = field(default_factory=frozenset)
    enterprise_org_ids: frozenset[int] = field(default_factory=frozenset)  # their enterprises' organizations
    member_id: int | None = None
    branch_id: int | None = None
    branch_path: str = ""

    @property
    def is_official(self) -> bool:
        return bool(self.region_ids)

    @property
    def is_organizer(self) -> bool:
        return bool(self.organizer_paths)

    @property
    def is_merchant(self) -> bool:
        return bool(self.enterprise_ids)

    @property
    def is_member(self) -> bool:
        return self.member_id is not None

    # --- Party organizations -------------------------------------------------------------
    def manages_org_path(self, path: str) -> bool:
        return self.is_staff or any(path.startswith(p) for p in self.organizer_paths)

    def managed_orgs_q(self, prefix: str = "") -> Q:
        """Q over PartyOrganization (or a relation to it, via prefix like 'branch__') for the managed subtrees."""
        if self.is_staff:
            return EVERYTHING
        q = Q(pk__in=[])
        for p in self.organizer_paths:
            q |= Q(**{f"{prefix}path__startswith": p})
        return q

    def visible_orgs_q(self, prefix: str = "") -> Q:
        """Organizations a user may look at: managed subtrees, the official's regions, the member's branch
        and the organizations above it, the merchant's enterprise's organization."""
        if self.is_staff:
            return EVERYTHING
        q = self.managed_orgs_q(prefix)
        if self.region_ids:
            q |= Q(**{f"{prefix}region_id__in": self.region_ids})
        if self.branch_path:
            # The branch and its ancestors.
            q |= Q(**{f"{prefix}path__in": ancestor_paths(self.branch_path)})
        if self.enterprise_org_ids:
            q |= Q(**{f"{prefix}pk__in": self.enterprise_org_ids})
        return q

    # --- Enterprises ---------------------------------------------------------------------
    def visible_enterprises_q(self) -> Q:
        if self.is_staff:
            return EVERYTHING
        q = Q(pk__in=self.enterprise_ids)
        if self.region_ids:
            q |= Q(region_id__in=self.region_ids)
        if self.organizer_paths:
            # Enterprises whose Party organization or building organization is managed by the organizer.
            q |= self.managed_orgs_q("party_organization__") | self.managed_orgs_q(
                "building__party_organization__"
            )
        return q


def get_scope(user) -> Scope:
    """The user's scope, computed once per request (cached on the user object)."""
    if not getattr(user, "is_authenticated", False):
        return Scope()
    cached = getattr(user, "_hub_scope", None)
    if cached is not None:
        return cached
    roles = list(
        Role.objects.filter(user=user)
        .select_related("organization")
        .only("kind", "region_id", "enterprise_id", "organization__path", "organization__id")
    )
    region_ids = {r.region_id for r in roles if r.kind == Role.Kind.OFFICIAL}
    if region_ids:
        region_ids |= set(Region.objects.filter(parent_id__in=region_ids).values_list("id", flat=True))
    organizer_roles = [r for r in roles if r.kind == Role.Kind.ORGANIZER]
    enterprise_ids = {r.enterprise_id for r in roles if r.kind == Role.Kind.MERCHANT}
    enterprise_org_ids = (
        set(
            Enterprise.objects.filter(pk__in=enterprise_ids, party_organization__isnull=False).values_list(
                "party_organization_id", flat=True
            )
        )
        if enterprise_ids
        else set()
    )
    # A member who left their branch is a member no more (the record stays for the branch's history).
    member = (
        PartyMember.objects.filter(member_current_q(timezone.localdate()), user=user)
        .select_related("branch")
        .only("id", "branch__id", "branch__path")
        .first()
    )
    scope = Scope(
        is_authenticated=True,
        is_staff=user.is_staff,
        region_ids=frozenset(region_ids),
        organizer_paths=tuple(r.organization.path for r in organizer_roles),
        organizer_org_ids=frozenset(r.organization_id for r in organizer_roles),
        enterprise_ids=frozenset(enterprise_ids),
        enterprise_org_ids=frozenset(enterprise_org_ids),
        member_id=member.id if member else None,
        branch_id=member.branch_id if member else None,
        branch_path=member.branch.path if member else "",
    )
    user._hub_scope = scope
    return scope


def role_required(*checks: str):
    """View decorator: the user must hold one of the named roles ('official', 'organizer', 'merchant',
    'member', 'staff'); anyone else gets 403 (a signed-in user) or the login page (anonymous)."""
    from django.contrib.auth.views import redirect_to_login
    from django.core.exceptions import PermissionDenied

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            scope = get_scope(request.user)
            allowed = {
                "official": scope.is_official,
                "organizer": scope.is_organizer,
                "merchant": scope.is_merchant,
                "member": scope.is_member,
                "staff": scope.is_staff,
            }
            if not any(allowed[c] for c in checks):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def get_object_in_scope(queryset: QuerySet[M], q: Q, **lookup: Any) -> M:
    """Fetch one object that the scope Q admits, or 404 (objects outside a user's scope do not exist for them)."""
    obj = queryset.filter(q).filter(**lookup).first()
    if obj is None:
        raise Http404
    return obj
