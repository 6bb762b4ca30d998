from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings

INVITATION_SESSION_KEY = "hub_invitation_token"


class AccountAdapter(DefaultAccountAdapter):
    """Public sign-up is off unless HUB_OPEN_SIGNUP is set; a valid invitation link opens it for one person."""

    def is_open_for_signup(self, request):
        if settings.HUB_OPEN_SIGNUP:
            return True
        from hub.selectors import invitation_get_usable

        token = request.session.get(INVITATION_SESSION_KEY)
        return bool(token) and invitation_get_usable(token=token) is not None

    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=commit)
        token = request.session.get(INVITATION_SESSION_KEY)
        if commit and token:
            from hub.services import invitation_accept

            invitation_accept(token=token, user=user)
            request.session.pop(INVITATION_SESSION_KEY, None)
        return user
