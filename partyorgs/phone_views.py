"""My profile (name and number) and the phone sign-up that a public session's room offers its anonymous
viewers (partyorgs/phone.py says how it is limited). Thin: parse, check, call hub.services, render."""

from __future__ import annotations

import logging
import secrets
import time

from allauth.account.utils import perform_login
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from hub.forms_utils import form_add_service_errors
from hub.language import language_cookie_set, user_language
from hub.models import User
from hub.redirects import next_url
from hub.services import user_create_by_phone, user_profile_update
from hub.sms import SmsError, sms_code_send

from .adapters import AccountAdapter
from .forms import ProfileForm
from .phone import (
    SIGNUP_SESSION_KEY,
    PhoneCodeForm,
    PhoneSignupForm,
    phone_signup_target,
    sms_codes_left,
    sms_failed_message,
    too_many_codes_error,
)

log = logging.getLogger(__name__)


@login_required
def profile(request):
    user = request.user
    form = ProfileForm(request.POST or None, initial={"name": user.name, "language": user.language})
    if request.method == "POST" and form.is_valid():
        try:
            user_profile_update(
                user=user, name=form.cleaned_data["name"], language=form.cleaned_data["language"]
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc, field="name")
        else:
            # The pages switch to the chosen language at once (the site's when the choice is blank).
            language = user_language(user)
            with translation.override(language):
                messages.success(request, _("Your profile was saved."))
            response = redirect("partyorgs:profile")
            language_cookie_set(response, language)
            return response
    return render(request, "partyorgs/profile.html", {"form": form})


def _send(phone: str, code: str) -> bool:
    try:
        sms_code_send(phone=phone, code=code)
    except SmsError:
        log.exception("SMS code to %s not sent", phone)
        return False
    return True


def _code_hash(phone: str, code: str) -> str:
    return salted_hmac("hub.phone-signup-code", f"{phone}:{code}").hexdigest()


@never_cache
def phone_signup(request):
    """Step 1: the number (and a name to show). Opens with a public room's signed link (?room=...)."""
    if request.user.is_authenticated:
        return redirect(next_url(request, reverse("dashboards:home")))
    target = phone_signup_target(request.GET.get("room", "")) if request.GET.get("room") else None
    state = request.session.get(SIGNUP_SESSION_KEY) or {}
    if target:
        state = {"next": target}
        request.session[SIGNUP_SESSION_KEY] = state
    if not state.get("next"):
        return render(request, "partyorgs/phone_signup_closed.html")
    form = PhoneSignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        phone = form.cleaned_data["phone"]
        code = f"{secrets.randbelow(10**6):06d}"
        if not sms_codes_left(request, phone):
            form.add_error("phone", too_many_codes_error())
        elif not _send(phone, code):
            form.add_error("phone", sms_failed_message())
        else:
            state.update(
                phone=phone,
                name=form.cleaned_data["name"],
                code=_code_hash(phone, code),
                at=time.time(),
                attempts=0,
            )
            request.session[SIGNUP_SESSION_KEY] = state
            return redirect("partyorgs:phone_signup_code")
    return render(request, "partyorgs/phone_signup.html", {"form": form, "room_path": state["next"]})


@never_cache
def phone_signup_code(request):
    """Step 2: the code. The number's account signs in, or a plain viewer account is made for it; then back
    to the room. The same page whether the number had an account or not (nothing to learn from it)."""
    state = request.session.get(SIGNUP_SESSION_KEY) or {}
    if request.user.is_authenticated or not state.get("code"):
        return redirect("partyorgs:phone_signup")
    expired = time.time() - state["at"] > settings.ACCOUNT_LOGIN_BY_CODE_TIMEOUT
    form = PhoneCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        typed = form.cleaned_data["code"].strip()
        if expired or state["attempts"] >= settings.ACCOUNT_LOGIN_BY_CODE_MAX_ATTEMPTS:
            request.session[SIGNUP_SESSION_KEY] = {"next": state["next"]}
            messages.error(request, _("The code has expired. Ask for a new one."))
            return redirect("partyorgs:phone_signup")
        if not constant_time_compare(_code_hash(state["phone"], typed), state["code"]):
            state["attempts"] += 1
            request.session[SIGNUP_SESSION_KEY] = state
            form.add_error("code", _("That code is not right. Check the text message and try again."))
        else:
            return _sign_in(request, state)
    return render(
        request,
        "partyorgs/phone_signup_code.html",
        {"form": form, "phone": state["phone"], "room_path": state["next"]},
    )


def _sign_in(request, state: dict):
    user = User.objects.filter(phone=state["phone"]).first()
    if user is None:
        try:
            user = user_create_by_phone(phone=state["phone"], name=state.get("name", ""))
        except ValidationError:
            # Taken between the two steps: whoever has it now signs in with allauth's code sign-in.
            request.session.pop(SIGNUP_SESSION_KEY, None)
            messages.error(
                request,
                _(
                    "This mobile number already belongs to another account. Sign in with it, or use another number."
                ),
            )
            return redirect("account_request_login_code")
    elif not user.is_active:
        request.session.pop(SIGNUP_SESSION_KEY, None)
        return redirect("account_inactive")
    elif not user.phone_verified:
        AccountAdapter(request).set_phone_verified(user, state["phone"])
    request.session.pop(SIGNUP_SESSION_KEY, None)
    return perform_login(request, user, redirect_url=state["next"])
