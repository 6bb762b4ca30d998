"""Forms of the sales area: registration with products, review, results, import, filters, campaigns."""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hub.images import PRODUCT_BOX, ImageUploadField
from hub.models import User
from livestreams.models import Campaign, SalesResult, SalesSession
from livestreams.selectors.sales import (
    enterprises_of_merchant,
    enterprises_with_history,
    host_candidates,
    promotion_host_candidates,
)
from livestreams.selectors.studios import buildings_managed, studios_bookable
from livestreams.services.sales import host_refusal
from livestreams.services.sales_import import MAX_BYTES, platforms_with_mapping
from livestreams.watch import platform_url_error
from partyorgs.models import PartyOrganization
from partyorgs.permissions import get_scope

DT_FORMAT = "%Y-%m-%dT%H:%M"


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format=DT_FORMAT)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def datetime_field(label) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        input_formats=[DT_FORMAT, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
        widget=DateTimeLocalInput(),
    )


class StudioChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return _("%(building)s · %(name)s (open %(opens)s–%(closes)s, up to %(capacity)s people)") % {
            "building": obj.building.name,
            "name": obj.name,
            "opens": obj.opens_at.strftime("%H:%M"),
            "closes": obj.closes_at.strftime("%H:%M"),
            "capacity": obj.capacity,
        }


class SalesSessionForm(forms.Form):
    enterprise = forms.ModelChoiceField(label=_("Enterprise"), queryset=None, empty_label=None)
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    host_names = forms.CharField(
        label=_("Hosts"), max_length=200, help_text=_("The people presenting, separated by commas.")
    )
    host_users = forms.ModelMultipleChoiceField(
        label=_("Host accounts"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Colleagues who manage the live room with you and get the reminders."),
    )
    platform = forms.ChoiceField(label=_("Platform"), choices=SalesSession.Platform.choices)
    external_url = forms.URLField(
        label=_("Link to the livestream on the platform"),
        required=False,
        assume_scheme="https",
        help_text=_("Not needed when you stream in the hub's own live room."),
    )
    starts_at = datetime_field(_("Starts"))
    ends_at = datetime_field(_("Ends"))
    studio = StudioChoiceField(
        label=_("Studio"),
        queryset=None,
        required=False,
        empty_label=_("No studio (we stream from our own place)"),
        help_text=_("The studio is held for the session until it is approved."),
    )
    campaign = forms.ModelChoiceField(
        label=_("Campaign"), queryset=None, required=False, empty_label=_("No campaign")
    )

    def __init__(self, *args, user, fixed_enterprise=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        enterprises = enterprises_of_merchant(user)
        if fixed_enterprise is not None:
            # Changing a registration: its enterprise stays (the field is shown, not sent).
            enterprises = enterprises.model.objects.filter(pk=fixed_enterprise.pk)
            self.fields["enterprise"].disabled = True
            self.fields["enterprise"].initial = fixed_enterprise.pk
        self.fields["enterprise"].queryset = enterprises
        first = enterprises.first()
        if first is not None and self.fields["enterprise"].initial is None:
            self.fields["enterprise"].initial = first.pk
        self.fields["host_users"].queryset = (
            User.objects.filter(roles__enterprise__in=enterprises, roles__kind="merchant")
            .exclude(pk=user.pk)
            .distinct()
            .order_by("name")
        )
        self.fields["studio"].queryset = studios_bookable(user)
        region_ids = set(enterprises.values_list("region_id", flat=True))
        region_ids |= set(enterprises.values_list("region__parent_id", flat=True)) - {None}
        self.fields["campaign"].queryset = Campaign.objects.filter(
            region_id__in=region_ids, ends_on__gte=timezone.localdate()
        ).order_by("starts_on")

    def clean(self):
        data = super().clean()
        enterprise = data.get("enterprise")
        hosts = data.get("host_users")
        if enterprise is not None and hosts:
            allowed = set(host_candidates(enterprise=enterprise).values_list("pk", flat=True))
            if any(u.pk not in allowed for u in hosts):
                self.add_error("host_users", _("Host accounts must belong to the same enterprise."))
        # Only the platform's own hosts: the room links (and for Bilibili embeds) this address (livestreams/watch.py).
        url_error = platform_url_error(data.get("platform", ""), data.get("external_url", ""))
        if url_error:
            self.add_error("external_url", url_error)
        return data


class ProductForm(forms.Form):
    name = forms.CharField(label=_("Product"), max_length=120)
    price = forms.DecimalField(label=_("Price (yuan)"), max_digits=10, decimal_places=2, min_value=0)
    link = forms.URLField(label=_("Link"), required=False, assume_scheme="https")
    image = ImageUploadField(
        label=_("Image"),
        required=False,
        box=PRODUCT_BOX,
        help_text=_("JPEG, PNG, WebP or GIF. A resized copy without photo metadata is kept."),
    )
    # The product this row changes (editing) or copies (duplicating); checked against the user's scope.
    source = forms.IntegerField(required=False, min_value=1, max_value=2**31 - 1, widget=forms.HiddenInput)


class BaseProductFormSet(forms.BaseFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        if not [f for f in self.forms if f.has_changed() and f.cleaned_data]:
            raise ValidationError(_("Add at least one product."))

    def products(self):
        return [f.cleaned_data for f in self.forms if f.has_changed() and f.cleaned_data]


ProductFormSet = forms.formset_factory(
    ProductForm, formset=BaseProductFormSet, extra=3, max_num=20, validate_max=True
)


class RepeatForm(forms.Form):
    weeks = forms.IntegerField(
        label=_("Number of weeks"),
        min_value=1,
        max_value=12,
        initial=4,
        help_text=_("The same weekday and time on each of the following weeks, 1 to 12."),
    )


class DuplicateForm(forms.Form):
    """?from=<pk> on the registration form: which session to copy (an id; the view checks the scope)."""

    source = forms.IntegerField(min_value=1, max_value=2**31 - 1)


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for rejection"), max_length=300, widget=forms.Textarea(attrs={"rows": 2})
    )


class BookStudioForm(forms.Form):
    studio = StudioChoiceField(label=_("Studio"), queryset=None, empty_label=None)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["studio"].queryset = studios_bookable(user)


class SalesFilterForm(forms.Form):
    approval = forms.ChoiceField(
        label=_("Approval"), required=False, choices=[("", _("All"))] + SalesSession.Approval.choices
    )
    platform = forms.ChoiceField(
        label=_("Platform"), required=False, choices=[("", _("All"))] + SalesSession.Platform.choices
    )
    page = forms.IntegerField(required=False, min_value=1, max_value=100000, widget=forms.HiddenInput)


class SalesResultForm(forms.ModelForm):
    class Meta:
        model = SalesResult
        fields = ["gmv", "orders", "peak_viewers", "viewers", "new_followers"]
        widgets = {"gmv": forms.NumberInput(attrs={"step": "0.01", "min": "0", "inputmode": "decimal"})}


class ResultsImportForm(forms.Form):
    platform = forms.ChoiceField(
        label=_("What the file holds"),
        required=False,
        help_text=_(
            "The hub's template has one row per session; a platform's export has one row per product, read through that platform's column mapping."
        ),
    )
    file = forms.FileField(
        label=_("Results file (.csv or .xlsx)"),
        help_text=_("The first row names the columns; nothing is imported unless every row is valid."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        labels = dict(SalesSession.Platform.choices)
        self.fields["platform"].choices = [("", _("Per session: the hub's template"))] + [
            (p, _("Per product: %(platform)s export") % {"platform": labels[p]})
            for p in platforms_with_mapping()
        ]

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".csv", ".xlsx")):
            raise ValidationError(_("Upload a .csv or .xlsx file."))
        if upload.size > MAX_BYTES:
            raise ValidationError(_("The file is larger than 2 MB."))
        return upload


class HistoryForm(forms.Form):
    enterprise = forms.ModelChoiceField(label=_("Enterprise"), queryset=None, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["enterprise"].queryset = enterprises_with_history(user)


class CampaignForm(forms.ModelForm):
    class Meta:
        model = Campaign
        fields = ["name", "building", "starts_on", "ends_on", "description"]
        widgets = {
            "starts_on": DateInput(),
            "ends_on": DateInput(),
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["building"].queryset = buildings_managed(user)
        self.fields["building"].required = True
        if self.instance.pk:
            self.fields["building"].disabled = True

    def clean(self):
        data = super().clean()
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if starts and ends and ends < starts:
            self.add_error("ends_on", _("The campaign cannot end before it starts."))
        return data


class PromotionForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    host_names = forms.CharField(
        label=_("Hosted by"),
        max_length=200,
        help_text=_("e.g. the district head and the deputy district head"),
    )
    organization = forms.ModelChoiceField(label=_("Host organization"), queryset=None, empty_label=None)
    host_emails = forms.CharField(
        label=_("Host accounts (email addresses)"),
        required=False,
        help_text=_("Accounts that manage the live room, separated by commas."),
    )
    platform = forms.ChoiceField(
        label=_("Platform"), choices=SalesSession.Platform.choices, initial=SalesSession.Platform.HUB
    )
    external_url = forms.URLField(
        label=_("Link to the livestream on the platform"), required=False, assume_scheme="https"
    )
    starts_at = datetime_field(_("Starts"))
    ends_at = datetime_field(_("Ends"))
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        scope = get_scope(user)
        self.fields["organization"].queryset = PartyOrganization.objects.filter(
            scope.managed_orgs_q()
        ).order_by("path")

    def clean_host_emails(self):
        raw = self.cleaned_data.get("host_emails", "")
        emails = {e.lower() for e in re.split(r"[\s,，;；]+", raw) if e}
        organization = self.cleaned_data.get("organization")
        if not emails or organization is None:
            return []
        users = list(
            promotion_host_candidates(user=self.user, organization=organization).filter(email__in=emails)
        )
        refused = sorted(emails - {u.email.lower() for u in users})
        if refused:
            # The same words for an address without an account and for one outside the organizer's scope:
            # the form must not tell which addresses exist.
            raise ValidationError(host_refusal(refused))
        return users

    def clean(self):
        data = super().clean()
        url_error = platform_url_error(data.get("platform", ""), data.get("external_url", ""))
        if url_error:
            self.add_error("external_url", url_error)
        return data
