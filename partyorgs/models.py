import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node

from hub.models import masked_phone

from .validators import validate_credit_code


class Region(models.Model):
    """A district (区/县级市) or a subdistrict/town (街道/镇). Officials are scoped to one."""

    class Kind(models.TextChoices):
        DISTRICT = "district", _("District")
        SUBDISTRICT = "subdistrict", _("Subdistrict")

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("district"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    province = models.CharField(_("province"), max_length=50, blank=True)
    city = models.CharField(_("city"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="region_unique_name_in_parent")
        ]

    def __str__(self):
        return self.name


class PartyOrganization(MP_Node):
    """A Party organization in a tree: 党工委 > 党委 > 党总支 > 党支部 > 党小组.

    The materialized path (treebeard) makes a whole subtree one indexed prefix query.
    """

    class Kind(models.TextChoices):
        WORKING_COMMITTEE = "working_committee", _("Party Working Committee")
        COMMITTEE = "committee", _("Party committee")
        GENERAL_BRANCH = "general_branch", _("General Party branch")
        BRANCH = "branch", _("Party branch")
        GROUP = "group", _("Party group")

    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="organizations"
    )
    secretary_name = models.CharField(_("secretary"), max_length=50, blank=True)
    founded_on = models.DateField(_("founded on"), null=True, blank=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("Party organization")
        verbose_name_plural = _("Party organizations")

    def __str__(self):
        return self.name

    @property
    def is_branch(self) -> bool:
        return self.kind == self.Kind.BRANCH

    def subtree(self):
        """This organization and everything below it, in one query."""
        return type(self).objects.filter(path__startswith=self.path)


def ancestor_paths(path: str) -> list[str]:
    """Every prefix of a treebeard path at the step length: the organization and all above it."""
    step = PartyOrganization.steplen
    return [path[:i] for i in range(step, len(path) + 1, step)]


class Alliance(models.Model):
    """A Party-building alliance (党建联盟) of organizations and partner institutions."""

    name = models.CharField(_("name"), max_length=120)
    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="alliances"
    )
    lead_organization = models.ForeignKey(
        PartyOrganization,
        verbose_name=_("lead organization"),
        on_delete=models.PROTECT,
        related_name="led_alliances",
    )
    organizations = models.ManyToManyField(
        PartyOrganization,
        verbose_name=_("member organizations"),
        through="AllianceMembership",
        related_name="alliances",
    )
    founded_on = models.DateField(_("founded on"), null=True, blank=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("Party-building alliance")
        verbose_name_plural = _("Party-building alliances")

    def __str__(self):
        return self.name


class AllianceMembership(models.Model):
    alliance = models.ForeignKey(Alliance, verbose_name=_("alliance"), on_delete=models.CASCADE)
    organization = models.ForeignKey(
        PartyOrganization, verbose_name=_("organization"), on_delete=models.CASCADE
    )
    joined_on = models.DateField(_("joined on"), null=True, blank=True)

    class Meta:
        verbose_name = _("alliance membership")
        verbose_name_plural = _("alliance memberships")
        constraints = [
            models.UniqueConstraint(fields=["alliance", "organization"], name="alliance_member_unique")
        ]

    def __str__(self):
        return f"{self.alliance} · {self.organization}"


class PartnerInstitution(models.Model):
    """A government department, academy or university that partners with an alliance (发改委, 郑州大学 ...)."""

    class Kind(models.TextChoices):
        GOVERNMENT = "government", _("Government department")
        ACADEMY = "academy", _("Academy of social sciences")
        UNIVERSITY = "university", _("University")
        OTHER = "other", _("Other")

    alliance = models.ForeignKey(
        Alliance, verbose_name=_("alliance"), on_delete=models.CASCADE, related_name="partners"
    )
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)

    class Meta:
        verbose_name = _("partner institution")
        verbose_name_plural = _("partner institutions")
        constraints = [
            models.UniqueConstraint(fields=["alliance", "name"], name="partner_unique_in_alliance")
        ]

    def __str__(self):
        return self.name


class Expert(models.Model):
    institution = models.ForeignKey(
        PartnerInstitution, verbose_name=_("institution"), on_delete=models.CASCADE, related_name="experts"
    )
    name = models.CharField(_("name"), max_length=50)
    title = models.CharField(_("title"), max_length=80, blank=True)
    field = models.CharField(_("field of expertise"), max_length=120, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="expert",
    )

    class Meta:
        verbose_name = _("expert")
        verbose_name_plural = _("experts")

    def __str__(self):
        return f"{self.name}（{self.institution}）"


class Building(models.Model):
    """A building or park (楼宇/园区) whose Party organization manages its studios and position."""

    class Kind(models.TextChoices):
        BUILDING = "building", _("Building")
        PARK = "park", _("Park")

    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="buildings"
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    located_in = models.CharField(_("located in"), max_length=120, blank=True, help_text=_("e.g. 东方大厦"))
    party_organization = models.ForeignKey(
        PartyOrganization,
        verbose_name=_("Party organization"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="buildings",
    )
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("building or park")
        verbose_name_plural = _("buildings and parks")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Venue(models.Model):
    """A physical venue: a Party-mass service center (党群服务中心), a Party-building position, a meeting room."""

    class Kind(models.TextChoices):
        SERVICE_CENTER = "service_center", _("Party-mass service center")
        POSITION = "position", _("Building Party-building position")
        MEETING_ROOM = "meeting_room", _("Meeting room")

    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="venues"
    )
    building = models.ForeignKey(
        Building,
        verbose_name=_("building"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="venues",
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    area_m2 = models.PositiveIntegerField(_("area (m²)"), null=True, blank=True)
    capacity = models.PositiveIntegerField(_("capacity"), null=True, blank=True)
    facilities = models.TextField(_("facilities"), blank=True)

    class Meta:
        verbose_name = _("venue")
        verbose_name_plural = _("venues")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Industry(models.TextChoices):
    CROSS_BORDER = "cross_border", _("Cross-border e-commerce")
    LIVESTREAM = "livestream", _("Livestream e-commerce")
    TECH = "tech", _("Tech start-up")
    ELECTRONIC_INFO = "electronic_info", _("Electronic information")
    FOOTWEAR = "footwear", _("Footwear and apparel")
    FOOD = "food", _("Food and local produce")
    CULTURE = "culture", _("Culture and creative")
    SERVICES = "services", _("Business services")
    OTHER = "other", _("Other")


class Enterprise(models.Model):
    """A member enterprise, usually non-public (非公有制企业)."""

    class BranchMode(models.TextChoices):
        OWN = "own", _("Own Party branch")
        JOINT = "joint", _("Joint Party branch")
        NONE = "none", _("No Party organization yet")

    name = models.CharField(_("name"), max_length=120)
    credit_code = models.CharField(
        _("unified social credit code"), max_length=18, unique=True, validators=[validate_credit_code]
    )
    industry = models.CharField(_("industry"), max_length=30, choices=Industry.choices)
    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="enterprises"
    )
    building = models.ForeignKey(
        Building,
        verbose_name=_("building"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="enterprises",
    )
    is_non_public = models.BooleanField(_("non-public enterprise"), default=True)
    alliance = models.ForeignKey(
        Alliance,
        verbose_name=_("alliance"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="enterprises",
    )
    branch_mode = models.CharField(
        _("Party branch"), max_length=10, choices=BranchMode.choices, default=BranchMode.NONE
    )
    party_organization = models.ForeignKey(
        PartyOrganization,
        verbose_name=_("Party organization"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="enterprises",
    )
    employees = models.PositiveIntegerField(_("employees"), null=True, blank=True)
    contact_name = models.CharField(_("contact"), max_length=50, blank=True)
    description = models.TextField(_("description"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("enterprise")
        verbose_name_plural = _("enterprises")
        ordering = ["name"]
        indexes = [models.Index(fields=["region", "industry"])]

    def __str__(self):
        return self.name


class Incubator(models.Model):
    name = models.CharField(_("name"), max_length=120)
    building = models.ForeignKey(
        Building, verbose_name=_("building"), on_delete=models.PROTECT, related_name="incubators"
    )
    motto = models.CharField(_("motto"), max_length=120, blank=True)
    workstations = models.PositiveIntegerField(_("workstations"), default=0)
    opened_on = models.DateField(_("opened on"), null=True, blank=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("incubator")
        verbose_name_plural = _("incubators")
        ordering = ["name"]

    def __str__(self):
        return self.name


class IncubatorTenant(models.Model):
    """A maker team (创客) or start-up that moved into an incubator (入驻)."""

    class Kind(models.TextChoices):
        MAKER_TEAM = "maker_team", _("Maker team")
        STARTUP = "startup", _("Start-up")

    class Status(models.TextChoices):
        MOVED_IN = "moved_in", _("Moved in")
        GRADUATED = "graduated", _("Graduated")
        LEFT = "left", _("Left")

    incubator = models.ForeignKey(
        Incubator, verbose_name=_("incubator"), on_delete=models.CASCADE, related_name="tenants"
    )
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    industry = models.CharField(_("industry"), max_length=30, choices=Industry.choices)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.MOVED_IN)
    moved_in_on = models.DateField(_("moved in on"))
    left_on = models.DateField(_("left on"), null=True, blank=True)
    workstations = models.PositiveIntegerField(
        _("workstations"), default=1, validators=[MinValueValidator(0)]
    )
    enterprise = models.ForeignKey(
        Enterprise,
        verbose_name=_("enterprise"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tenancies",
    )
    contact_name = models.CharField(_("contact"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("incubator tenant")
        verbose_name_plural = _("incubator tenants")
        ordering = ["incubator", "name"]
        constraints = [
            models.UniqueConstraint(fields=["incubator", "name"], name="tenant_unique_in_incubator")
        ]

    def __str__(self):
        return self.name

    def clean(self):
        errors = {}
        if self.moved_in_on and self.moved_in_on > timezone.localdate():
            errors["moved_in_on"] = _("The move-in date cannot be in the future.")
        if self.status == self.Status.MOVED_IN and self.left_on:
            errors["left_on"] = _("A tenant that is still in the incubator has no leaving date.")
        if self.status in (self.Status.GRADUATED, self.Status.LEFT) and not self.left_on:
            errors["left_on"] = _("Give the date the tenant graduated or left.")
        if self.left_on and self.moved_in_on and self.left_on < self.moved_in_on:
            errors["left_on"] = _("The leaving date cannot be before the move-in date.")
        if errors:
            raise ValidationError(errors)


class PartyMember(models.Model):
    """A Party member (党员) with an account; belongs to one branch."""

    class Status(models.TextChoices):
        FULL = "full", _("Full member")
        PROBATIONARY = "probationary", _("Probationary member")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        related_name="party_member",
    )
    branch = models.ForeignKey(
        PartyOrganization, verbose_name=_("branch"), on_delete=models.PROTECT, related_name="members"
    )
    # Unset ("" / NULL) when the organizer did not enter it: the roster shows "not entered", never a guess.
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, blank=True, default="")
    joined_on = models.DateField(_("joined the Party on"), null=True, blank=True)
    position = models.CharField(_("position in the branch"), max_length=50, blank=True)
    # Leaving the branch keeps the record (and its attendance); from that day on the member is no longer
    # in the branch's audience, attendance or counts (member_current_q).
    left_on = models.DateField(_("left the branch on"), null=True, blank=True)

    class Meta:
        verbose_name = _("Party member")
        verbose_name_plural = _("Party members")
        ordering = ["branch", "user__name"]

    def __str__(self):
        return str(self.user)

    def clean(self):
        if self.joined_on and self.joined_on > timezone.localdate():
            raise ValidationError({"joined_on": _("The date of joining the Party cannot be in the future.")})
        if self.left_on and self.left_on > timezone.localdate():
            raise ValidationError({"left_on": _("The date of leaving the branch cannot be in the future.")})
        if self.left_on and self.joined_on and self.left_on < self.joined_on:
            raise ValidationError(
                {
                    "left_on": _(
                        "The date of leaving the branch cannot be before the date of joining the Party."
                    )
                }
            )
        if self.branch_id and self.branch.kind != PartyOrganization.Kind.BRANCH:
            raise ValidationError({"branch": _("A Party member belongs to a Party branch.")})


def member_current_q(day, prefix: str = "") -> Q:
    """Q over PartyMember (or a relation to it via prefix, e.g. 'party_member__') for the members still in
    their branch on `day`: those who never left, or left after that day."""
    return Q(**{f"{prefix}left_on__isnull": True}) | Q(**{f"{prefix}left_on__gt": day})


class RosterChange(models.Model):
    """Who changed what in a member's roster data, and when (written by partyorgs.services.member_update)."""

    member = models.ForeignKey(
        PartyMember, verbose_name=_("Party member"), on_delete=models.CASCADE, related_name="changes"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    changed_at = models.DateTimeField(_("changed"), default=timezone.now)
    # [{"field": verbose name, "before": text, "after": text}, ...]
    changes = models.JSONField(default=list)

    class Meta:
        verbose_name = _("roster change")
        verbose_name_plural = _("roster changes")
        ordering = ["-changed_at", "-id"]

    def __str__(self):
        return f"{self.member} · {self.changed_at:%Y-%m-%d %H:%M}"


class RosterImport(models.Model):
    """A branch roster (.xlsx or CSV) an organizer uploaded, checked (and imported when every row is valid)
    by a Celery task, as the sales results import does. The file is dropped once checked."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Waiting to be checked")
        CHECKING = "checking", _("Being checked")
        IMPORTED = "imported", _("Imported")
        REFUSED = "refused", _("Not imported: problems found")
        FAILED = "failed", _("The check failed")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    branch = models.ForeignKey(PartyOrganization, on_delete=models.CASCADE, related_name="+")
    file_name = models.CharField(_("file name"), max_length=200)
    content = models.BinaryField(default=bytes, editable=False)
    language = models.CharField(max_length=10, blank=True)
    base_url = models.CharField(max_length=200, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.QUEUED)
    rows_total = models.PositiveIntegerField(default=0)
    rows_checked = models.PositiveIntegerField(default=0)
    invited = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    problem_count = models.PositiveIntegerField(default=0)
    problems = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("roster import")
        verbose_name_plural = _("roster imports")
        indexes = [models.Index(fields=["user", "-created_at"])]

    def __str__(self):
        return self.file_name


class Role(models.Model):
    """A scoped role. The member role is not here: it is the user's PartyMember record (one branch)."""

    class Kind(models.TextChoices):
        OFFICIAL = "official", _("Official")
        ORGANIZER = "organizer", _("Organizer")
        MERCHANT = "merchant", _("Merchant")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="roles"
    )
    kind = models.CharField(_("role"), max_length=20, choices=Kind.choices)
    region = models.ForeignKey(
        "Region",
        verbose_name=_("district or subdistrict"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
    )
    organization = models.ForeignKey(
        "PartyOrganization",
        verbose_name=_("Party organization"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
    )
    enterprise = models.ForeignKey(
        "Enterprise", verbose_name=_("enterprise"), null=True, blank=True, on_delete=models.CASCADE
    )
    created_at = models.DateTimeField(_("granted"), auto_now_add=True)

    class Meta:
        # The table kept the name it had when roles lived in the hub app (moved without copying data).
        db_table = "hub_role"
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        constraints = [
            # Each kind of role names exactly the one thing it is scoped to.
            models.CheckConstraint(
                condition=(
                    Q(
                        kind="official",
                        region__isnull=False,
                        organization__isnull=True,
                        enterprise__isnull=True,
                    )
                    | Q(
                        kind="organizer",
                        region__isnull=True,
                        organization__isnull=False,
                        enterprise__isnull=True,
                    )
                    | Q(
                        kind="merchant",
                        region__isnull=True,
                        organization__isnull=True,
                        enterprise__isnull=False,
                    )
                ),
                name="role_scope_matches_kind",
            ),
            models.UniqueConstraint(
                fields=["user", "kind", "region"], name="role_unique_official", condition=Q(kind="official")
            ),
            models.UniqueConstraint(
                fields=["user", "kind", "organization"],
                name="role_unique_organizer",
                condition=Q(kind="organizer"),
            ),
            models.UniqueConstraint(
                fields=["user", "kind", "enterprise"],
                name="role_unique_merchant",
                condition=Q(kind="merchant"),
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.scope}"

    @property
    def scope(self):
        return self.region or self.organization or self.enterprise


def _invitation_token() -> str:
    return secrets.token_urlsafe(24)


class Invitation(models.Model):
    """An invitation link: the only way to sign up while public sign-up is off.

    Organizers invite members into a branch of their subtree, or organizers for an organization of their
    subtree; hub staff invite anyone to any role. Created only through partyorgs.services.invitation_create.
    """

    class RoleKind(models.TextChoices):
        MEMBER = "member", _("Party member")
        ORGANIZER = "organizer", _("Organizer")
        OFFICIAL = "official", _("Official")
        MERCHANT = "merchant", _("Merchant")

    # Sent to exactly one of them: an email address, or a mobile number (E.164, hub.sms.phone_normalize).
    email = models.EmailField(_("email address"), blank=True)
    phone = models.CharField(_("mobile phone"), max_length=20, blank=True)
    token = models.CharField(max_length=64, unique=True, default=_invitation_token, editable=False)
    role_kind = models.CharField(_("role"), max_length=20, choices=RoleKind.choices)
    # What the organizer knows of the person; accepting copies it, and nothing else, onto the account and,
    # for a Party member, onto the roster. Left empty, it stays unset.
    name = models.CharField(_("name"), max_length=50, blank=True)
    member_status = models.CharField(
        _("member status"), max_length=20, choices=PartyMember.Status.choices, blank=True
    )
    member_joined_on = models.DateField(_("joined the Party on"), null=True, blank=True)
    region = models.ForeignKey(
        "Region",
        verbose_name=_("district or subdistrict"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
    )
    organization = models.ForeignKey(
        "PartyOrganization",
        verbose_name=_("Party organization or branch"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
    )
    enterprise = models.ForeignKey(
        "Enterprise", verbose_name=_("enterprise"), null=True, blank=True, on_delete=models.CASCADE
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("invited by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="invitations_sent",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("accepted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    revoked_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)

    class Meta:
        db_table = "hub_invitation"
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.email or masked_phone(self.phone)

    @property
    def contact(self) -> str:
        """Where the link went, as the inviter may see it: the address, or the number."""
        return self.email or self.phone

    def clean(self):
        if bool(self.email) == bool(self.phone):
            raise ValidationError(_("Give either an email address or a mobile number."))
        if self.role_kind != self.RoleKind.MEMBER and (self.member_status or self.member_joined_on):
            raise ValidationError(
                _("Only a Party member has a member status and a date of joining the Party.")
            )
        if self.member_joined_on and self.member_joined_on > timezone.localdate():
            raise ValidationError(
                {"member_joined_on": _("The date of joining the Party cannot be in the future.")}
            )
        scope_field = {
            self.RoleKind.MEMBER: "organization",
            self.RoleKind.ORGANIZER: "organization",
            self.RoleKind.OFFICIAL: "region",
            self.RoleKind.MERCHANT: "enterprise",
        }.get(self.role_kind)
        if scope_field is None:
            return
        for name in ("region", "organization", "enterprise"):
            given = getattr(self, f"{name}_id") is not None
            if name == scope_field and not given:
                raise ValidationError({name: _("This role needs it.")})
            if name != scope_field and given:
                raise ValidationError({name: _("This role does not use it; leave it empty.")})

    @property
    def scope(self):
        return self.region or self.organization or self.enterprise

    @property
    def status(self) -> str:
        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "withdrawn"
        if self.expires_at <= timezone.now():
            return "expired"
        return "waiting"

    def get_status_display(self) -> str:
        return {
            "accepted": _("Accepted"),
            "withdrawn": _("Withdrawn"),
            "expired": _("Expired"),
            "waiting": _("Waiting"),
        }[self.status]

    @property
    def is_usable(self) -> bool:
        return self.status == "waiting"
