"""Forms of the registry pages. Query parameters are parsed here: bad values become field errors."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import IncubatorTenant, Industry


class EnterpriseFilterForm(forms.Form):
    q = forms.CharField(label=_("Name or credit code"), required=False, max_length=100)
    industry = forms.ChoiceField(label=_("Industry"), required=False, choices=[("", _("All"))])
    building = forms.ModelChoiceField(
        label=_("Building or park"), required=False, queryset=None, empty_label=_("All")
    )
    alliance = forms.ModelChoiceField(
        label=_("Alliance"), required=False, queryset=None, empty_label=_("All")
    )
    page = forms.IntegerField(label=_("Page"), required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args, buildings, alliances, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["industry"].choices = [("", _("All")), *Industry.choices]
        self.fields["building"].queryset = buildings
        self.fields["alliance"].queryset = alliances

    def filters(self) -> dict:
        """The valid filters only: an invalid field is reported and ignored, the others still apply."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "industry": data.get("industry") or "",
            "building": data.get("building"),
            "alliance": data.get("alliance"),
            "q": (data.get("q") or "").strip(),
        }


class TenantFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All")), *IncubatorTenant.Status.choices]
    )
