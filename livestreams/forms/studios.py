"""Forms of the studios area."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from livestreams.models import Studio
from livestreams.selectors.studios import buildings_managed


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%H:%M")


class StudioForm(forms.ModelForm):
    class Meta:
        model = Studio
        fields = [
            "building",
            "name",
            "capacity",
            "equipment",
            "opens_at",
            "closes_at",
            "changeover_minutes",
            "is_active",
        ]
        widgets = {
            "opens_at": TimeInput(),
            "closes_at": TimeInput(),
            "equipment": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["building"].queryset = buildings_managed(user)
        if self.instance.pk:
            self.fields["building"].disabled = True


class WeekForm(forms.Form):
    week = forms.DateField(label=_("Week of"), required=False, input_formats=["%Y-%m-%d"])
