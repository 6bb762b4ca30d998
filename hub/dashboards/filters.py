"""What a dashboard shows: the viewer's scope narrowed by the filters of the query string.

The form only offers (and only accepts) regions, buildings and organizations inside the viewer's scope, so
a hand-written query string cannot reach another district: an id outside the scope is a form error.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta
from html import escape

from django import forms
from django.forms.utils import flatatt
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from partyorgs.models import Building, PartyOrganization, Region
from partyorgs.permissions import Scope

MAX_SPAN_DAYS = 3 * 366
EARLIEST = date(2000, 1, 1)


def month_start(d: date) -> date:
    return d.replace(day=1)


def add_months(d: date, months: int) -> date:
    """The first day of the month `months` away from d's month."""
    index = d.year * 12 + d.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def quarter_start(d: date) -> date:
    return date(d.year, 3 * ((d.month - 1) // 3) + 1, 1)


def local_midnight(d: date) -> datetime:
    return timezone.make_aware(datetime.combine(d, time.min))


@dataclass(frozen=True)
class DashboardFilter:
    """The scope and filters of one dashboard, as plain values (cache keys and Celery arguments).

    region_ids None means every region (hub staff). date_to is inclusive. building_org_path is the path of
    the building's Party organization ("" when it has none), org_path the chosen organization subtree.
    """

    region_ids: tuple[int, ...] | None
    date_from: date
    date_to: date
    building_id: int | None = None
    building_org_path: str | None = None
    org_path: str | None = None

    @property
    def start(self) -> datetime:
        return local_midnight(self.date_from)

    @property
    def end(self) -> datetime:
        """Exclusive end of the period: the midnight after date_to."""
        return local_midnight(self.date_to + timedelta(days=1))

    @property
    def month(self) -> date:
        """The reference month of the "this month" figures: the month of the period's last day."""
        return month_start(self.date_to)

    @property
    def quarter(self) -> date:
        return quarter_start(self.date_to)

    def key(self) -> str:
        raw = repr(sorted(asdict(self).items()))
        return hashlib.sha1(raw.encode(), usedforsecurity=False).hexdigest()[:20]

    def as_dict(self) -> dict:
        data = asdict(self)
        data["date_from"] = self.date_from.isoformat()
        data["date_to"] = self.date_to.isoformat()
        data["region_ids"] = list(self.region_ids) if self.region_ids is not None else None
        return data

    @classmethod
    def from_dict(cls, data: dict) -> DashboardFilter:
        ids = data.get("region_ids")
        return cls(
            region_ids=tuple(ids) if ids is not None else None,
            date_from=date.fromisoformat(data["date_from"]),
            date_to=date.fromisoformat(data["date_to"]),
            building_id=data.get("building_id"),
            building_org_path=data.get("building_org_path"),
            org_path=data.get("org_path"),
        )


def default_period(today: date) -> tuple[date, date]:
    """The last twelve months, this one included: enough for the monthly charts to show a trend."""
    return add_months(today, -11), today


def scope_region_ids(scope: Scope) -> tuple[int, ...] | None:
    """None for hub staff (every region); the official's regions (subdistricts included) otherwise."""
    if scope.is_staff:
        return None
    return tuple(sorted(scope.region_ids))


def default_filter(region_ids: tuple[int, ...] | None, today: date | None = None) -> DashboardFilter:
    date_from, date_to = default_period(today or timezone.localdate())
    return DashboardFilter(region_ids=region_ids, date_from=date_from, date_to=date_to)


class FastSelect(forms.Select):
    """A select whose options are written directly: Django renders each option through a template, which
    costs more than the rest of the dashboard when a district has hundreds of organizations."""

    def render(self, name, value, attrs=None, renderer=None):
        attrs = self.build_attrs(self.attrs, attrs)
        selected = set(self.format_value(value))
        options = "".join(
            f'<option value="{escape(str(v))}"{" selected" if str(v) in selected else ""}>{escape(str(label))}</option>'
            for v, label in self.choices
        )
        return mark_safe(f'<select name="{escape(name)}"{flatatt(attrs)}>{options}</select>')  # noqa: S308


class OrganizationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        # The tree shown by indentation: one full-width space per level below the root.
        return "\u3000" * (obj.depth - 1) + obj.name


class DashboardFilterForm(forms.Form):
    region = forms.ModelChoiceField(
        label=_("District or subdistrict"),
        queryset=Region.objects.none(),
        required=False,
        empty_label=_("All of my area"),
        widget=FastSelect,
        error_messages={"invalid_choice": _("This district or subdistrict is not in your area.")},
    )
    date_from = forms.DateField(
        label=_("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("Enter a date such as 2024-03-01.")},
    )
    date_to = forms.DateField(
        label=_("To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("Enter a date such as 2024-03-31.")},
    )
    building = forms.ModelChoiceField(
        label=_("Building or park"),
        queryset=Building.objects.none(),
        required=False,
        empty_label=_("All buildings"),
        widget=FastSelect,
        error_messages={"invalid_choice": _("This building is not in your area.")},
    )
    organization = OrganizationChoiceField(
        label=_("Party organization (with those below it)"),
        queryset=PartyOrganization.objects.none(),
        required=False,
        empty_label=_("All organizations"),
        widget=FastSelect,
        error_messages={"invalid_choice": _("This Party organization is not in your area.")},
    )

    def __init__(self, data=None, *, scope: Scope, today: date | None = None):
        # Always bound to the query string: a missing filter takes its default, a wrong one is an error.
        super().__init__(data if data is not None else {})
        self.scope = scope
        self.today = today or timezone.localdate()
        self.region_ids = scope_region_ids(scope)
        regions = Region.objects.all()
        buildings = Building.objects.all()
        orgs = PartyOrganization.objects.all()
        if self.region_ids is not None:
            regions = regions.filter(pk__in=self.region_ids)
            buildings = buildings.filter(region_id__in=self.region_ids)
            orgs = orgs.filter(region_id__in=self.region_ids)
        self.fields["region"].queryset = regions.order_by("kind", "name")
        self.fields["building"].queryset = buildings.select_related("party_organization").order_by("name")
        self.fields["organization"].queryset = orgs.order_by("path")
        default_from, default_to = default_period(self.today)
        self.fields["date_from"].widget.attrs["placeholder"] = default_from.isoformat()
        self.fields["date_to"].widget.attrs["placeholder"] = default_to.isoformat()

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        # Each bound is checked on its own first: date arithmetic on 0001-01-01 or 9999-12-31 (the
        # ends of Python's calendar) would overflow and answer 500 instead of a message.
        for name in ("date_from", "date_to"):
            value = data.get(name)
            if value is not None and value < EARLIEST:
                self.add_error(name, _("Choose a date after 2000-01-01."))
        if data.get("date_to") and data["date_to"] > self.today + timedelta(days=366):
            self.add_error("date_to", _("Choose an end date within the next year."))
        if self.errors:
            return data
        default_from, default_to = default_period(self.today)
        date_to = data.get("date_to") or default_to
        date_from = data.get("date_from") or (
            max(EARLIEST, add_months(date_to, -11)) if data.get("date_to") else default_from
        )
        if date_from > date_to:
            self.add_error("date_to", _("The end date must not be before the start date."))
        elif (date_to - date_from).days > MAX_SPAN_DAYS:
            self.add_error("date_from", _("Choose a period of at most three years."))
        region, building, org = data.get("region"), data.get("building"), data.get("organization")
        if region is not None:
            allowed = {region.pk, *(r.pk for r in region.children.all())}
            if building is not None and building.region_id not in allowed:
                self.add_error("building", _("This building is not in the chosen district or subdistrict."))
            if org is not None and org.region_id not in allowed:
                self.add_error(
                    "organization", _("This organization is not in the chosen district or subdistrict.")
                )
            self._chosen_region_ids = allowed
        data["date_from"], data["date_to"] = date_from, date_to
        return data

    def to_filter(self) -> DashboardFilter:
        """The filter of a valid form."""
        data = self.cleaned_data
        region_ids = self.region_ids
        if data.get("region") is not None:
            chosen = self._chosen_region_ids
            region_ids = tuple(sorted(chosen if region_ids is None else chosen & set(region_ids)))
        building = data.get("building")
        org = data.get("organization")
        return DashboardFilter(
            region_ids=region_ids,
            date_from=data["date_from"],
            date_to=data["date_to"],
            building_id=building.pk if building else None,
            building_org_path=(
                (building.party_organization.path if building.party_organization else "")
                if building
                else None
            ),
            org_path=org.path if org else None,
        )

    def query_string(self) -> str:
        """The filters as given, for the links to the JSON data, the exports and the screen."""
        from urllib.parse import urlencode

        if not self.is_bound:
            return ""
        pairs = [(k, self.data.get(k)) for k in self.fields if self.data.get(k)]
        return urlencode(pairs)
