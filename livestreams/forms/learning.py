"""The forms of courseware, leave and the learning record (issue 15)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy


class CoursewareForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=120, required=False)
    file = forms.FileField(
        label=gettext_lazy("File (PDF or PowerPoint)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.pptx,.ppt"}),
    )


class LeaveForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Reason for leave"), max_length=200)


class DecideForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "approve"), ("decline", "decline")])


class PeriodForm(forms.Form):
    year = forms.IntegerField(label=gettext_lazy("Year"), min_value=2000, max_value=2100, required=False)
    quarter = forms.TypedChoiceField(
        label=gettext_lazy("Quarter"),
        choices=[("", gettext_lazy("The whole year")), ("1", "Q1"), ("2", "Q2"), ("3", "Q3"), ("4", "Q4")],
        coerce=int,
        empty_value=None,
        required=False,
    )
