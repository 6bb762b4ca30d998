"""Forms of the meeting records: the record itself, an offline meeting's attendance, photos, attachments, the
validity rules and a branch's annual plan. Choices are limited to the user's scope."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hub.images import ImageUploadField
from livestreams.forms.classes import DATETIME_FORMATS, LocalDateTimeInput, OrgField
from livestreams.models import MeetingAttendee, MeetingRecord
from livestreams.models.meetings import PHOTO_BOX, RECORD_KINDS
from livestreams.selectors.meetings import LEDGER_KINDS
from partyorgs.models import PartyOrganization
from partyorgs.permissions import get_scope

KIND_CHOICES = [(k.value, k.label) for k in RECORD_KINDS]


class MeetingRecordForm(forms.Form):
    """The record's details and minutes. `offline` adds the organization (new records), kind and times."""

    organization = OrgField(label=_("Party organization"), queryset=PartyOrganization.objects.none())
    kind = forms.ChoiceField(label=_("Kind of meeting"), choices=KIND_CHOICES)
    topic = forms.CharField(label=_("Topic"), max_length=200)
    starts_at = forms.DateTimeField(
        label=_("Starts"), input_formats=DATETIME_FORMATS, widget=LocalDateTimeInput()
    )
    ends_at = forms.DateTimeField(
        label=_("Ends"), input_formats=DATETIME_FORMATS, widget=LocalDateTimeInput()
    )
    place = forms.CharField(label=_("Place"), max_length=200)
    host_name = forms.CharField(label=_("Chaired by (主持人)"), max_length=50)
    recorder_name = forms.CharField(label=_("Recorded by (记录人)"), max_length=50)
    minutes = forms.CharField(
        label=_("Minutes (会议记录)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_("Written after the meeting: what was said and by whom."),
    )
    resolutions = forms.CharField(
        label=_("Resolutions"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args, user=None, record: MeetingRecord | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.record = record
        if record is None:
            scope = get_scope(user)
            self.fields["organization"].queryset = PartyOrganization.objects.filter(
                scope.managed_orgs_q()
            ).order_by("path")
        else:
            del self.fields["organization"]
            if record.session_id is not None:
                for name in ("kind", "starts_at", "ends_at"):
                    del self.fields[name]

    def clean(self):
        data = super().clean()
        start, end = data.get("starts_at"), data.get("ends_at")
        if start and end and end <= start:
            self.add_error("ends_at", _("The meeting must end after it starts."))
        if start and start > timezone.now() + timedelta(days=366):
            self.add_error("starts_at", _("Enter a date within the next year."))
        return data


class AttendanceForm(forms.Form):
    """One select (and reason) per member of the roster; built from the roster, so other ids are refused."""

    STATE_CHOICES = [("", _("Not expected")), *MeetingAttendee.State.choices]

    def __init__(self, *args, rows=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = list(rows)
        for r in self.rows:
            pk = r.member.pk
            self.fields[f"state_{pk}"] = forms.ChoiceField(
                label=str(r.member.user), choices=self.STATE_CHOICES, required=False, initial=r.state
            )
            self.fields[f"reason_{pk}"] = forms.CharField(
                label=_("Reason (when excused)"), max_length=200, required=False, initial=r.reason
            )

    def entries(self) -> list[tuple[int, str, str]]:
        return [
            (
                r.member.pk,
                self.cleaned_data[f"state_{r.member.pk}"],
                self.cleaned_data[f"reason_{r.member.pk}"],
            )
            for r in self.rows
        ]

    def pairs(self):
        return [(r, self[f"state_{r.member.pk}"], self[f"reason_{r.member.pk}"]) for r in self.rows]


class PhotoForm(forms.Form):
    photo = ImageUploadField(label=_("Photo"), box=PHOTO_BOX)


class AttachmentForm(forms.Form):
    file = forms.FileField(
        label=_("Attachment"), help_text=_("PDF, Word, Excel, PowerPoint, text or a picture, up to 20 MB.")
    )


class RuleForm(forms.Form):
    min_minutes = forms.IntegerField(label=_("Minimum length (minutes)"), min_value=1, max_value=600)
    min_attendance_percent = forms.IntegerField(
        label=_("Minimum attendance (percent of those expected)"), min_value=0, max_value=100
    )
    minutes_required = forms.BooleanField(label=_("Minutes required"), required=False)


class PlanForm(forms.Form):
    """Four numbers per kind: the meetings planned in each quarter."""

    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)

    def __init__(self, *args, rows=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.kind_rows = list(rows)
        for row in self.kind_rows:
            for q in range(4):
                self.fields[f"{row.kind}_{q + 1}"] = forms.IntegerField(
                    label=f"{row.label} Q{q + 1}", min_value=0, max_value=99, initial=row.planned[q]
                )

    def quarters(self) -> dict[str, list[int]]:
        return {k: [self.cleaned_data[f"{k}_{q}"] for q in range(1, 5)] for k in LEDGER_KINDS}

    def grid(self):
        return [(row, [self[f"{row.kind}_{q}"] for q in range(1, 5)]) for row in self.kind_rows]


class YearForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100, required=False)
