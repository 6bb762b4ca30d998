"""The language a person reads the hub in (one of settings.LANGUAGES; zh-hans first, English switchable).

- Pages: Django's LocaleMiddleware reads the language cookie. The switcher (hub.views.language_set) and the
  profile page set it, and signing in sets it to the account's stored language
  (partyorgs.adapters.AccountAdapter.post_login), so a choice follows the person to a new phone.
- Emails (hub.emails.email_language) and text messages (hub.sms.sms_language) read `user_language`.
- The stored choice (User.language) is written only by hub.services.user_language_set.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpResponseBase


def language_valid(code: str) -> bool:
    """Whether `code` is exactly one of the site's languages (a language Django knows but the hub does not
    offer, such as "fr", is not)."""
    return code in dict(settings.LANGUAGES)


def language_names() -> str:
    """The site's languages as people see them in the switcher: "简体中文, English"."""
    return ", ".join(str(name) for _code, name in settings.LANGUAGES)


def user_language(user: Any = None) -> str:
    """The language to write to this person in: the one they chose, else the site's (zh-hans). Anyone
    without an account (None, an address, an unknown number) gets the site's."""
    code = getattr(user, "language", "") or ""
    return code if language_valid(code) else settings.LANGUAGE_CODE


def language_cookie_set(response: HttpResponseBase, code: str) -> None:
    """Make the pages of this browser appear in `code` from the next request on (the cookie Django's
    set_language view sets, with the same settings)."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        code,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
