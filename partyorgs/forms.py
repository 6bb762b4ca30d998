"""Forms of the registry pages. Query parameters are parsed here: bad values become field errors."""

from __future__ import annotations

from allauth.account.forms import SignupForm
from allauth.core import context
from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from hub.sms import phone_normalize

from .adapters import invited_email, invited_invitation
from .models import (
    Enterprise,
    IncubatorTenant,
    Industry,
    Invitation,
    PartyMember,
    PartyOrganization,
    Region,
)
from .permissions import get_scope
from .roster_import import MAX_BYTES as ROSTER_MAX_BYTES


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


class OrganizationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        # Indented by depth so that the tree shows in a plain <select>.
        return "\u3000" * (obj.depth - 1) + f"{obj.name}（{obj.get_kind_display()}）"


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def _phone_field(label, **kwargs) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=30,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
        **kwargs,
    )


def _clean_phone(raw: str) -> str:
    """hub.sms.phone_normalize for every typed number: its message becomes the field's error."""
    return phone_normalize(raw) if (raw or "").strip() else ""


MEMBER_STATUS_CHOICES = [("", _("Not entered")), *PartyMember.Status.choices]


class InvitationForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=50, required=False)
    phone = _phone_field(
        _("Mobile number"),
        required=False,
        help_text=_("The invitation link is sent by SMS to this number; or give an email address instead."),
    )
    email = forms.EmailField(label=_("Email address"), required=False)
    role_kind = forms.ChoiceField(label=_("Role"))
    organization = OrganizationChoiceField(
        label=_("Party organization or branch"), queryset=None, required=False
    )
    member_status = forms.ChoiceField(
        label=_("Member status"),
        choices=MEMBER_STATUS_CHOICES,
        required=False,
        help_text=_("For a Party member. Left empty, it stays empty on the roster."),
    )
    member_joined_on = forms.DateField(
        label=_("Joined the Party on"),
        required=False,
        widget=DateInput(),
        help_text=_("For a Party member. Left empty, it stays empty on the roster."),
    )
    region = forms.ModelChoiceField(label=_("District or subdistrict"), queryset=None, required=False)
    enterprise = forms.ModelChoiceField(label=_("Enterprise"), queryset=None, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        scope = get_scope(user)
        self.fields["organization"].queryset = PartyOrganization.objects.filter(
            scope.managed_orgs_q()
        ).order_by("path")
        if scope.is_staff:
            self.fields["role_kind"].choices = Invitation.RoleKind.choices
            self.fields["region"].queryset = Region.objects.order_by("kind", "name")
            self.fields["enterprise"].queryset = Enterprise.objects.order_by("name")
            self.fields["organization"].help_text = _(
                "For a Party member: their branch. For an organizer: the organization they will manage."
            )
        else:
            self.fields["role_kind"].choices = [
                (Invitation.RoleKind.MEMBER, Invitation.RoleKind.MEMBER.label),
                (Invitation.RoleKind.ORGANIZER, Invitation.RoleKind.ORGANIZER.label),
            ]
            self.fields["organization"].required = True
            self.fields["organization"].help_text = _(
                "For a Party member: a branch of yours. For an organizer: an organization of yours they will manage."
            )
            del self.fields["region"]
            del self.fields["enterprise"]

    def clean_phone(self):
        return _clean_phone(self.cleaned_data.get("phone", ""))

    def clean(self):
        data = super().clean()
        if "phone" in self.errors or "email" in self.errors:
            return data
        if bool(data.get("phone")) == bool(data.get("email")):
            raise forms.ValidationError(
                _("Give either a mobile number or an email address: the link is sent to one of them.")
            )
        return data


class MemberForm(forms.Form):
    """An organizer's correction of a member's roster data."""

    name = forms.CharField(label=_("Name"), max_length=50, required=False)
    status = forms.ChoiceField(label=_("Member status"), choices=MEMBER_STATUS_CHOICES, required=False)
    joined_on = forms.DateField(label=_("Joined the Party on"), required=False, widget=DateInput())
    left_on = forms.DateField(
        label=_("Left the branch on"),
        required=False,
        widget=DateInput(),
        help_text=_(
            "The record stays; from this day the member no longer counts in the branch's audience and attendance."
        ),
    )


class RosterImportForm(forms.Form):
    file = forms.FileField(
        label=_("Roster file (.xlsx or .csv)"),
        help_text=_("The first row names the columns; nothing is imported unless every row is valid."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".csv", ".xlsx")):
            raise forms.ValidationError(_("Upload a .csv or .xlsx file."))
        if upload.size > ROSTER_MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 2 MB."))
        return upload


class PhoneInvitationAcceptForm(forms.Form):
    """A newcomer invited by SMS confirms (or sets) their name; the link has proved the number."""

    name = forms.CharField(label=_("Your name"), max_length=50)


class InvitationSignupForm(SignupForm):
    """allauth's sign-up form; with an invitation, the address must be the one the link was sent to, and the
    person confirms (or sets) the name the organizer entered."""

    name = forms.CharField(label=_("Your name"), max_length=50, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        invitation = invited_invitation(context.request) if context.request is not None else None
        if invitation is not None:
            self.fields["name"].required = True
            self.fields["name"].initial = invitation.name
        # "phone" is in ACCOUNT_SIGNUP_FIELDS only to turn on allauth's number pages (partyorgs/phone.py): an
        # invitation by email signs up by email; the number is added on the profile page, verified by a code.
        self.fields.pop("phone", None)
        self._has_phone_field = False

    def clean_email(self):
        email = super().clean_email()
        invited = invited_email(context.request) if context.request is not None else None
        if invited and email.lower() != invited.lower():
            raise forms.ValidationError(
                _("Use the address the invitation was sent to: %(email)s") % {"email": invited}
            )
        return email


class ProfileForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=50,
        required=False,
        help_text=_(
            "Your real name, as your branch knows you: it is shown with your comments and in attendance lists."
        ),
    )
    language = forms.ChoiceField(
        label=_("Language"),
        required=False,
        choices=lambda: [
            (
                "",
                _("The site's language (%(name)s)")
                % {"name": dict(settings.LANGUAGES)[settings.LANGUAGE_CODE]},
            ),
            *settings.LANGUAGES,
        ],
        help_text=_(
            "The hub's pages after you sign in, your emails and your text messages are in this language."
        ),
    )
