import logging
from types import SimpleNamespace
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialApp
from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.utils import translation

from hub.language import language_cookie_set, user_language
from hub.models import User
from hub.redirects import is_hub_path
from hub.services import user_phone_set
from hub.sms import SmsError, sms_code_send
from partyorgs.phone import PhoneField, phone_signup_allowed, sms_failed_message
from partyorgs.selectors import invitation_get_usable
from partyorgs.services import invitation_accept

INVITATION_SESSION_KEY = "hub_invitation_token"
log = logging.getLogger(__name__)


def invited_invitation(request):
    """The usable invitation whose link this browser opened, if any."""
    token = request.session.get(INVITATION_SESSION_KEY)
    return invitation_get_usable(token=token) if token else None


def invited_email(request) -> str | None:
    """The address of the usable email invitation whose link this browser opened, if any."""
    invitation = invited_invitation(request)
    return invitation.email if invitation and invitation.email else None


class AccountAdapter(DefaultAccountAdapter):
    """Public sign-up is off unless HUB_OPEN_SIGNUP is set; a valid invitation link opens it for one person."""

    def is_open_for_signup(self, request):
        return settings.HUB_OPEN_SIGNUP or invited_email(request) is not None

    def save_user(self, request, user, form, commit=True):
        user.name = (form.cleaned_data.get("name") or "").strip()
        user = super().save_user(request, user, form, commit=commit)
        token = request.session.get(INVITATION_SESSION_KEY)
        if commit and token:
            invitation_accept(token=token, user=user)
            request.session.pop(INVITATION_SESSION_KEY, None)
        return user

    def send_mail(self, template_prefix, email, context):
        """allauth's mail (address confirmation, password reset) goes through the outbox like all others,
        signed with the hub's name (allauth would use the request's host, or nothing)."""
        from allauth.core import context as allauth_context

        from hub.emails import email_queue_message

        ctx = {"request": allauth_context.request, "email": email, **context, "current_site": _site()}
        email_queue_message(self.render_mail(template_prefix, email, ctx), template=template_prefix)

    def format_email_subject(self, subject):
        return f"[{settings.HUB_SITE_NAME}] {subject}"

    def post_login(self, request, user, **kwargs):
        """Signing in brings the account's language to this browser: a member who chose English sees English
        on a new phone (and the "signed in" message is in it already). Without a stored choice the browser's
        language stays as it is."""
        if not user.language:
            return super().post_login(request, user, **kwargs)
        language = user_language(user)
        with translation.override(language):
            response = super().post_login(request, user, **kwargs)
        language_cookie_set(response, language)
        return response

    def is_safe_url(self, url):
        # Every sign-in path (password, SMS code, WeChat) follows `next` by the hub's one rule.
        return self.request is not None and is_hub_path(self.request, url or "")

    # --- phone sign-in (allauth's phone support on User.phone / User.phone_verified) ---

    def phone_form_field(self, **kwargs):
        return PhoneField(**kwargs)

    def get_phone(self, user):
        return (user.phone, user.phone_verified) if user.phone else None

    def set_phone(self, user, phone, verified):
        user_phone_set(user=user, phone=phone, verified=verified)

    def set_phone_verified(self, user, phone):
        # Also the end of a number change: the number becomes the account's once its code was entered.
        user_phone_set(user=user, phone=phone, verified=True)

    def get_user_by_phone(self, phone):
        return User.objects.filter(phone=phone, is_active=True).first()

    def send_verification_code_sms(self, user, phone, code, **kwargs):
        # The form that led here counted it against the limits (partyorgs.phone.sms_codes_left).
        try:
            # In the language of the account the code is for (a new number of a signed-in person: theirs).
            sms_code_send(phone=phone, code=code, user=user)
        except SmsError:
            # The provider refused or is down: said on the next page, logged for the operators; never a 500.
            log.exception("SMS code to %s not sent", phone)
            if self.request is not None:
                messages.error(self.request, sms_failed_message())

    def get_login_stages(self):
        # Accounts with a number and no address sign in by SMS code; they have no email to verify.
        return [
            "partyorgs.phone.HubEmailVerificationStage" if path.endswith(".EmailVerificationStage") else path
            for path in super().get_login_stages()
        ]


def _site() -> SimpleNamespace:
    """What allauth's email templates call current_site: the hub's name (translated) and public address."""
    return SimpleNamespace(name=str(settings.HUB_SITE_NAME), domain=urlsplit(settings.HUB_PUBLIC_URL).netloc)


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    """WeChat sign-in: an account that connected WeChat signs in with it; a new person may sign up through it
    only where they could sign up otherwise (an invitation, open sign-up, a public room's sign-up link)."""

    def is_open_for_signup(self, request, sociallogin):
        return AccountAdapter(request).is_open_for_signup(request) or phone_signup_allowed(request)

    def get_app(self, request, provider, client_id=None):
        # Not configured (no app in settings or the admin): its pages do not exist, rather than a 500.
        try:
            return super().get_app(request, provider, client_id=client_id)
        except SocialApp.DoesNotExist:
            raise Http404 from None

    def populate_user(self, request, sociallogin, data):
        user = super().populate_user(request, sociallogin, data)
        user.name = (data.get("name") or "")[:50]
        return user
