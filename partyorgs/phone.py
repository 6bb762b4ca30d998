"""Sign-in by mobile number (allauth's phone support) and the phone sign-up of public-session viewers.

- Numbers people type are read by hub.sms.phone_normalize (PhoneField), stored as E.164 on User.phone.
- Codes: allauth's login by code and number verification (6 digits, ACCOUNT_LOGIN_BY_CODE_TIMEOUT) and the
  sign-up below; every code goes out through hub.sms.sms_code_send, and every form that asks for one counts
  the request first (`sms_codes_left`: per number and per address, whether or not the number has an account).
- Phone sign-up is not open sign-up: it opens only from the room of a PUBLIC session, whose page hands
  anonymous viewers a signed link (`phone_signup_link`, valid HUB_PHONE_SIGNUP_LINK_HOURS) naming that room.
  The account it creates has no role: it may watch and comment in public sessions and nothing more.
- WeChat (allauth's weixin provider) shows only when an app is configured; its sign-ups follow the same rules.
"""

from __future__ import annotations

from allauth.account.forms import ConfirmLoginCodeForm, LoginForm, RequestLoginCodeForm, VerifyPhoneForm
from allauth.account.models import EmailAddress
from allauth.account.stages import EmailVerificationStage
from allauth.core import context, ratelimit
from django import forms
from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from hub.models import User
from hub.sms import phone_normalize, sms_code_allowed

SIGNUP_SALT = "hub.phone-signup"
SIGNUP_SESSION_KEY = "hub_phone_signup"


def sms_codes_left(request, phone: str) -> bool:
    """Whether one more code may go to this number from this address: counts one against hub.sms's limit,
    and checks allauth's own verify_phone limit (which would otherwise fail later, on sending)."""
    if request is None:
        return True
    return bool(
        ratelimit.consume(request, action="verify_phone", key=phone, dry_run=True)
    ) and sms_code_allowed(request, phone)


def too_many_codes_error() -> ValidationError:
    return ValidationError(
        _(
            "Too many codes were requested for this number or from this network. Wait a few minutes and try again."
        ),
        code="rate_limited",
    )


def sms_failed_message() -> str:
    return str(_("The text message could not be sent just now. Try again in a few minutes."))


class PhoneField(forms.CharField):
    """A mainland mobile number, typed any common way; cleaned to +86…"""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label", _("Mobile number"))
        kwargs.setdefault("max_length", 30)
        kwargs.setdefault(
            "widget",
            forms.TextInput(
                attrs={
                    "type": "tel",
                    "autocomplete": "tel",
                    "inputmode": "tel",
                    "placeholder": "138 1234 5678",
                }
            ),
        )
        super().__init__(*args, **kwargs)

    def clean(self, value):
        value = super().clean(value)
        return phone_normalize(value) if value else value


def code_field() -> forms.CharField:
    return forms.CharField(
        label=_("SMS code"),
        max_length=12,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class PhoneLoginForm(LoginForm):
    """Email + password, or a mobile number + password (people who set one); the number is normalized."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["login"].label = _("Email or mobile number")
        self.fields["login"].widget.attrs["placeholder"] = _("Email or mobile number")

    def clean_login(self):
        login = super().clean_login()
        if "@" not in login:
            try:
                return phone_normalize(login)
            except ValidationError:
                return login
        return login


class PhoneRequestLoginCodeForm(RequestLoginCodeForm):
    """The SMS code sign-in: a number only (email users have a password)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.pop("email", None)
        self.fields["phone"].required = True

    def clean_phone(self):
        phone = self.cleaned_data["phone"]
        if phone and not sms_codes_left(context.request, phone):
            raise too_many_codes_error()
        return super().clean_phone()

    def clean(self):
        return forms.Form.clean(self)


class PhoneConfirmLoginCodeForm(ConfirmLoginCodeForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"] = code_field()


class PhoneVerifyForm(VerifyPhoneForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"] = code_field()


class PhoneChangeForm(forms.Form):
    """Adding or changing one's number (allauth's /accounts/phone/change/): refused at once when the number
    belongs to another account, so that no code is sent to a stranger's phone."""

    def __init__(self, *args, **kwargs):
        self.user = kwargs.pop("user", None)
        self.phone = kwargs.pop("phone", None)
        super().__init__(*args, **kwargs)
        self.fields["phone"] = PhoneField(label=_("New mobile number"))

    def clean_phone(self):
        phone = self.cleaned_data["phone"]
        if phone == self.phone:
            raise ValidationError(_("That is already your number."), code="same_as_current")
        others = User.objects.filter(phone=phone)
        if self.user is not None:
            others = others.exclude(pk=self.user.pk)
        if others.exists():
            raise ValidationError(
                _(
                    "This mobile number already belongs to another account. Sign in with it, or use another number."
                ),
                code="phone_taken",
            )
        if not sms_codes_left(context.request, phone):
            raise too_many_codes_error()
        self.account_already_exists = False
        return phone


class PhoneSignupForm(forms.Form):
    phone = PhoneField()
    name = forms.CharField(
        label=_("Your name (shown with your comments)"),
        max_length=50,
        required=False,
    )


class PhoneCodeForm(forms.Form):
    code = code_field()


class HubEmailVerificationStage(EmailVerificationStage):
    """allauth's mandatory email verification, except for accounts that have no address at all: those sign
    in with a number their SMS code just proved."""

    def handle(self):
        user = self.login.user
        if user is not None and not user.email and not EmailAddress.objects.filter(user_id=user.pk).exists():
            return None, True
        return super().handle()


def phone_signup_link(next_path: str) -> str:
    """The signed value a public room puts in its "sign up with your number" link."""
    return signing.dumps(next_path, salt=SIGNUP_SALT)


def phone_signup_target(token: str) -> str | None:
    """The room path of a valid, unexpired sign-up link; None otherwise."""
    try:
        value = signing.loads(token, salt=SIGNUP_SALT, max_age=settings.HUB_PHONE_SIGNUP_LINK_HOURS * 3600)
    except signing.BadSignature:
        return None
    return value if isinstance(value, str) and value.startswith("/") and not value.startswith("//") else None


def phone_signup_allowed(request) -> bool:
    return bool(request.session.get(SIGNUP_SESSION_KEY, {}).get("next"))
