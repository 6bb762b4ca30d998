from types import SimpleNamespace
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings

from partyorgs.selectors import invitation_get_usable
from partyorgs.services import invitation_accept

INVITATION_SESSION_KEY = "hub_invitation_token"


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


def _site() -> SimpleNamespace:
    """What allauth's email templates call current_site: the hub's name (translated) and public address."""
    return SimpleNamespace(name=str(settings.HUB_SITE_NAME), domain=urlsplit(settings.HUB_PUBLIC_URL).netloc)
