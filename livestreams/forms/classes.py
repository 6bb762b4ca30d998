"""Forms of the Party-class area. They parse and check what people type and hand services clean values;
querysets are always limited to the organizer's scope, so a tampered id is just an invalid choice."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from livestreams.models import ClassSeries, LiveSession, PartyClass
from livestreams.selectors.classes import class_conflicts
from livestreams.services.classes import ClassDetails, Recurrence, cover_image_process, expand_recurrence
from partyorgs.models import Alliance, Expert, PartyMember, PartyOrganization, Venue
from partyorgs.permissions import get_scope

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"]
OFFSET_CHOICES = [
    (10080, _("1 week before")),
    (1440, _("1 day before")),
    (180, _("3 hours before")),
    (60, _("1 hour before")),
    (15, _("15 minutes before")),
    (5, _("5 minutes before")),
]


class LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class OrgChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return "　" * (obj.depth - 1) + obj.name


class OrgField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return "　" * (obj.depth - 1) + obj.name


class PartyClassForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    class_kind = forms.ChoiceField(label=_("Kind of class"), choices=PartyClass.ClassKind.choices)
    lecturer = forms.ChoiceField(
        label=_("Lecturer"),
        required=False,
        help_text=_("A member of your organizations, or an expert of an alliance partner institution."),
    )
    host_organization = OrgField(label=_("Host organization"), queryset=PartyOrganization.objects.none())
    audience_orgs = OrgChoiceField(
        label=_("Audience: organizations with the organizations below them"),
        queryset=PartyOrganization.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    audience_orgs_only = OrgChoiceField(
        label=_("Audience: only these organizations (not those below them)"),
        queryset=PartyOrganization.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    audience_alliance = forms.ModelChoiceField(
        label=_("Audience: the whole alliance"),
        queryset=Alliance.objects.none(),
        required=False,
        empty_label=_("(not the alliance)"),
    )
    starts_at = forms.DateTimeField(
        label=_("Starts"), input_formats=DATETIME_FORMATS, widget=LocalDateTimeInput()
    )
    ends_at = forms.DateTimeField(
        label=_("Ends"), input_formats=DATETIME_FORMATS, widget=LocalDateTimeInput()
    )
    venue = forms.ModelChoiceField(
        label=_("Venue"),
        queryset=Venue.objects.none(),
        required=False,
        empty_label=_("Online only"),
        help_text=_("A physical venue where members can also gather, such as a Party-mass service center."),
    )
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    cover = forms.FileField(
        label=_("Cover image"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp,image/gif"}),
        help_text=_("JPEG, PNG, WebP or GIF, at most 5 MB. A resized copy without photo metadata is kept."),
    )
    playback = forms.ChoiceField(label=_("Playback source"), choices=LiveSession.Playback.choices)
    external_url = forms.URLField(
        label=_("External platform URL"),
        required=False,
        assume_scheme="https",
        help_text=_("Only for an external platform."),
    )
    visibility = forms.ChoiceField(label=_("Who may watch"), choices=LiveSession.Visibility.choices)
    reminder_offsets = forms.TypedMultipleChoiceField(
        label=_("Reminders"),
        choices=OFFSET_CHOICES,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The audience is reminded in-app and by email."),
    )
    attendance_threshold = forms.IntegerField(
        label=_("Attended when watching at least this share of the class (%)"), min_value=1, max_value=100
    )
    makeup_days = forms.IntegerField(
        label=_("Make-up period (days after the class)"),
        min_value=0,
        max_value=365,
        initial=14,
        required=False,
        help_text=_("Watching the replay within this period counts as make-up study; 0 turns it off."),
    )
    use_signin_code = forms.BooleanField(
        label=_("Use a sign-in code shown during the class"),
        required=False,
        help_text=_("Members then count as attending only when they also enter the code."),
    )
    repeat = forms.ChoiceField(
        label=_("Repeat"),
        required=False,
        choices=[("", _("Does not repeat")), *ClassSeries.Frequency.choices],
    )
    repeat_until = forms.DateField(label=_("Repeat until"), required=False, widget=DateInput())
    confirm_conflicts = forms.BooleanField(
        label=_("Schedule anyway, although the lecturer or the venue is already booked"), required=False
    )

    def __init__(self, *args, user, instance: PartyClass | None = None, **kwargs):
        self.user = user
        self.instance = instance
        self.conflicts = None
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = initial_from(instance)
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("reminder_offsets", list(settings.HUB_REMINDER_OFFSETS))
        kwargs["initial"].setdefault("attendance_threshold", settings.HUB_ATTENDANCE_THRESHOLD)
        kwargs["initial"].setdefault("playback", LiveSession.Playback.HUB)
        kwargs["initial"].setdefault("visibility", LiveSession.Visibility.AUDIENCE)
        super().__init__(*args, **kwargs)
        scope = get_scope(user)
        orgs = PartyOrganization.objects.filter(scope.managed_orgs_q()).order_by("path")
        self.fields["host_organization"].queryset = orgs
        self.fields["audience_orgs"].queryset = orgs
        self.fields["audience_orgs_only"].queryset = orgs
        self.fields["audience_alliance"].queryset = Alliance.objects.filter(
            lead_organization__in=orgs
        ).order_by("name")
        self.fields["venue"].queryset = (
            Venue.objects.filter(
                Q(region_id__in=orgs.values("region_id")) | Q(building__party_organization__in=orgs)
            )
            .distinct()
            .order_by("name")
        )
        self.members = PartyMember.objects.filter(scope.managed_orgs_q("branch__")).select_related(
            "user", "branch"
        )
        self.experts = (
            Expert.objects.filter(
                Q(institution__alliance__lead_organization__in=orgs)
                | Q(institution__alliance__organizations__in=orgs)
            )
            .select_related("institution")
            .distinct()
        )
        self.fields["lecturer"].choices = [
            ("", _("(no lecturer)")),
            (
                _("Party members"),
                [
                    (f"m:{m.pk}", f"{m.user}（{m.branch}）")
                    for m in self.members.order_by("branch__path", "user__name")
                ],
            ),
            (_("Alliance experts"), [(f"e:{e.pk}", str(e)) for e in self.experts.order_by("name")]),
        ]
        if instance is not None:
            # Occurrences are made when a class is scheduled; an edit changes this one class.
            del self.fields["repeat"]
            del self.fields["repeat_until"]

    def clean_title(self):
        title = self.cleaned_data["title"].strip()
        if not title:
            raise ValidationError(_("Give the class a title."))
        return title

    def clean_lecturer(self):
        raw = self.cleaned_data.get("lecturer") or ""
        self.lecturer_member = self.lecturer_expert = None
        if not raw:
            return raw
        kind, _sep, pk = raw.partition(":")
        if not pk.isdigit():
            raise ValidationError(_("Choose a lecturer from the list."))
        if kind == "m":
            self.lecturer_member = self.members.filter(pk=int(pk)).first()
            found = self.lecturer_member
        else:
            self.lecturer_expert = self.experts.filter(pk=int(pk)).first()
            found = self.lecturer_expert
        if found is None:
            raise ValidationError(_("Choose a lecturer from the list."))
        return raw

    def clean_cover(self):
        upload = self.cleaned_data.get("cover")
        if not upload:
            return None
        return cover_image_process(upload)

    def clean(self):
        data = super().clean()
        start, end = data.get("starts_at"), data.get("ends_at")
        if start and end:
            self._check_times(start, end)
        if not (data.get("audience_orgs") or data.get("audience_orgs_only") or data.get("audience_alliance")):
            self.add_error(
                "audience_orgs", _("Choose who the class is for: at least one organization or the alliance.")
            )
        if data.get("playback") == LiveSession.Playback.EXTERNAL and not data.get("external_url"):
            self.add_error("external_url", _("Give the address of the external platform's live page."))
        occurrences = self._occurrences(data, start, end)
        if not self.errors and occurrences:
            self.conflicts = self._conflicts(occurrences, data)
            if self.conflicts and not data.get("confirm_conflicts"):
                raise ValidationError(
                    _(
                        "The lecturer or the venue is already booked at that time. Change the time, or tick "
                        "“schedule anyway” below."
                    )
                )
        return data

    def _check_times(self, start, end):
        if end <= start:
            self.add_error("ends_at", _("The class must end after it starts."))
        elif end - start > timedelta(hours=12):
            self.add_error("ends_at", _("A class lasts at most 12 hours."))
        # An edit that keeps the stored start time passes even when that time is past; a new start must not be.
        unchanged = self.instance is not None and self.instance.session.starts_at == start
        if start <= timezone.now() and not unchanged:
            self.add_error("starts_at", _("The start time is in the past. Choose a time from now on."))

    def _occurrences(self, data, start, end):
        """Every (start, end) the form would schedule: one, or one per repetition up to the last date."""
        occurrences = [(start, end)] if start and end else []
        if not data.get("repeat"):
            return occurrences
        until = data.get("repeat_until")
        if not until:
            self.add_error("repeat_until", _("Choose the date of the last class."))
        elif start and end and end > start:
            try:
                occurrences = expand_recurrence(
                    starts_at=start, ends_at=end, frequency=data["repeat"], until=until
                )
            except ValidationError as exc:
                self.add_error("repeat_until", exc.message_dict.get("until", exc.messages))
        return occurrences

    def _conflicts(self, occurrences, data):
        exclude = [self.instance.pk] if self.instance is not None else []
        for start, end in occurrences:
            found = class_conflicts(
                starts_at=start,
                ends_at=end,
                lecturer_member_id=self.lecturer_member.pk if self.lecturer_member else None,
                lecturer_expert_id=self.lecturer_expert.pk if self.lecturer_expert else None,
                venue_id=data["venue"].pk if data.get("venue") else None,
                exclude_session_ids=exclude,
            )
            if found:
                return found
        return None

    def details(self) -> ClassDetails:
        d = self.cleaned_data
        return ClassDetails(
            title=d["title"],
            class_kind=d["class_kind"],
            host_organization=d["host_organization"],
            starts_at=d["starts_at"],
            ends_at=d["ends_at"],
            audience_orgs=list(d["audience_orgs"]),
            audience_orgs_only=list(d["audience_orgs_only"]),
            audience_alliance=d.get("audience_alliance"),
            lecturer_member=self.lecturer_member,
            lecturer_expert=self.lecturer_expert,
            venue=d.get("venue"),
            description=d.get("description", ""),
            playback=d["playback"],
            external_url=d.get("external_url", ""),
            visibility=d["visibility"],
            reminder_offsets=d.get("reminder_offsets") or [],
            attendance_threshold=d["attendance_threshold"],
            makeup_days=d["makeup_days"] if d.get("makeup_days") is not None else 14,
            use_signin_code=d.get("use_signin_code", False),
            cover=d.get("cover"),
        )

    def recurrence(self) -> Recurrence | None:
        d = self.cleaned_data
        if d.get("repeat"):
            return Recurrence(frequency=d["repeat"], until=d["repeat_until"])
        return None


def initial_from(pc: PartyClass) -> dict:
    s = pc.session
    audience = list(s.audience.all())
    lecturer = ""
    if pc.lecturer_member_id:
        lecturer = f"m:{pc.lecturer_member_id}"
    elif pc.lecturer_expert_id:
        lecturer = f"e:{pc.lecturer_expert_id}"
    return {
        "title": s.title,
        "class_kind": pc.class_kind,
        "lecturer": lecturer,
        "host_organization": s.host_organization_id,
        "audience_orgs": [a.organization_id for a in audience if a.include_subtree],
        "audience_orgs_only": [a.organization_id for a in audience if not a.include_subtree],
        "audience_alliance": s.audience_alliance_id,
        "starts_at": timezone.localtime(s.starts_at),
        "ends_at": timezone.localtime(s.ends_at),
        "venue": pc.venue_id,
        "description": s.description,
        "playback": s.playback,
        "external_url": s.external_url,
        "visibility": s.visibility,
        "reminder_offsets": pc.reminder_offsets,
        "attendance_threshold": pc.attendance_threshold,
        "makeup_days": pc.makeup_days,
        "use_signin_code": bool(pc.signin_code),
    }


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason (sent to the audience)"), max_length=200, required=False)
    following = forms.BooleanField(label=_("Also cancel the later classes of this series"), required=False)


class ReplayForm(forms.Form):
    replay_url = forms.URLField(label=_("Replay URL"), required=False, assume_scheme="https")


class SignInForm(forms.Form):
    code = forms.CharField(label=_("Sign-in code"), max_length=8)


class ExcuseForm(forms.Form):
    member = forms.TypedChoiceField(label=_("Member"), coerce=int)
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)
    excused = forms.BooleanField(label=_("Excused"), required=False, initial=True)

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.member_map = {m.pk: m for m in members}
        self.fields["member"].choices = [(m.pk, f"{m.user}（{m.branch}）") for m in members]

    def clean(self):
        data = super().clean()
        if data.get("excused") and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Give the reason for the excuse."))
        return data


class CalendarForm(forms.Form):
    view = forms.ChoiceField(choices=[("month", _("Month")), ("week", _("Week"))], required=False)
    date = forms.DateField(label=_("Date"), required=False, input_formats=["%Y-%m-%d", "%Y-%m"])

    def clean_date(self):
        value = self.cleaned_data.get("date")
        if value and not (2000 <= value.year <= 2100):
            raise ValidationError(_("Choose a date between 2000 and 2100."))
        return value


class ListForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind of class"),
        choices=[("", _("All kinds")), *PartyClass.ClassKind.choices],
        required=False,
    )
    page = forms.IntegerField(min_value=1, max_value=10000, required=False)


class LedgerForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100, required=False)
    quarter = forms.TypedChoiceField(
        label=_("Quarter"), coerce=int, choices=[(1, "Q1"), (2, "Q2"), (3, "Q3"), (4, "Q4")], required=False
    )
