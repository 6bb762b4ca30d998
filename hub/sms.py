"""Text messages (SMS): the one way the hub sends one, and the one reading of a mobile number.

`sms_send(phone=, text=)` hands the message to the backend named by HUB_SMS_BACKEND:
- `hub.sms.ConsoleBackend` (the default): writes it to the log, for development and `make run`;
- `hub.sms.LocmemBackend` (the test suite): keeps it in `hub.sms.outbox`, like Django's mail.outbox;
- `hub.sms.FileBackend`: appends each message as a JSON line to HUB_SMS_FILE, so that a test can read what a
  server subprocess (daphne) sent (tests: HUB_TEST_SMS_BACKEND + HUB_TEST_SMS_FILE, `sms_file_read`);
- `hub.sms.AliyunBackend`: Aliyun SMS (dysmsapi SendSms, RPC signature HMAC-SHA1), configured by the
  HUB_SMS_ALIYUN_* settings; the message's `params` fill the approved template (``${code}``).

`sms_code_send(phone=, code=)` is how every SMS code leaves (allauth's login and number pages through
partyorgs.adapters, the public room's phone sign-up); the forms that lead to one first call
`sms_code_allowed(request, phone)`: limits per number and per client address (ACCOUNT_RATE_LIMITS["sms_code"]).

Texts are written in the recipient's language (`sms_language`: the language the account with the number
chose, else the site's). AliyunBackend sends the approved template of each kind instead of the text: those
templates are fixed server-side (approved by Aliyun one by one), so what it sends does not follow the language.

`phone_normalize(raw)` turns what people type into the stored E.164 form (+8613812345678) or raises
ValidationError with a message for them; every form that takes a number uses it.
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import hmac
import json
import logging
import re
import unicodedata
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

log = logging.getLogger("hub.sms")

# Mainland mobile numbers: 11 digits starting 13–19.
_CN_MOBILE = re.compile(r"1[3-9]\d{9}")
# Separators people type or paste between groups of digits (spaces of every kind, dashes, dots, brackets).
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212.()\u00b7]")


def phone_normalize(raw: str) -> str:
    """'138 1234 5678', '+86 138-1234-5678', '008613812345678', '１３８１２３４５６７８' → '+8613812345678'."""
    text = unicodedata.normalize("NFKC", str(raw or "")).strip()
    # Invisible format characters (zero-width spaces, direction marks) are dropped, not kept as part of a number.
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    digits = _SEPARATORS.sub("", text)
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if not digits.isascii() or not _CN_MOBILE.fullmatch(digits):
        raise ValidationError(
            _("Enter a mainland China mobile number of 11 digits, such as 138 1234 5678."), code="phone"
        )
    return "+86" + digits


@dataclass(frozen=True)
class Sms:
    phone: str
    text: str
    # Template parameters for providers that send approved templates only ({"code": "123456"}).
    params: dict[str, str] = field(default_factory=dict)
    # Which approved template: "code" (sign-in codes) or "invitation" (an organizer's invitation link).
    template: str = "code"


class SmsError(Exception):
    """The provider refused or could not be reached; the message says why (for the log, not for people)."""


class ConsoleBackend:
    def send(self, message: Sms) -> None:
        log.warning("SMS to %s: %s", message.phone, message.text)


# What LocmemBackend sent, oldest first (the test suite's backend).
outbox: list[Sms] = []


class LocmemBackend:
    def send(self, message: Sms) -> None:
        outbox.append(message)


class FileBackend:
    """One JSON line per message in settings.HUB_SMS_FILE; readable from another process (sms_file_read)."""

    def send(self, message: Sms) -> None:
        path = Path(settings.HUB_SMS_FILE)
        line = json.dumps({"phone": message.phone, "text": message.text, "params": message.params})
        with path.open("a", encoding="utf-8") as f:
            fcntl.flock(f, fcntl.LOCK_EX)
            f.write(line + "\n")


def sms_file_read(path: str | Path) -> list[Sms]:
    """What a FileBackend wrote, oldest first."""
    p = Path(path)
    if not p.exists():
        return []
    return [Sms(**json.loads(line)) for line in p.read_text(encoding="utf-8").splitlines() if line.strip()]


# --- Aliyun SMS (dysmsapi 2017-05-25, SendSms) ---------------------------------------------------------


def _pop_encode(value: str) -> str:
    """Aliyun POP percent-encoding: RFC 3986 unreserved characters kept, everything else %XX (UTF-8)."""
    return urllib.parse.quote(value, safe="-_.~")


def aliyun_signature(params: dict[str, str], secret: str, method: str = "POST") -> str:
    """The Signature of an Aliyun RPC request (SignatureVersion 1.0, HMAC-SHA1): the sorted, encoded query,
    encoded again behind the method and "/", keyed with secret + "&"."""
    query = "&".join(
        f"{_pop_encode(k)}={_pop_encode(v)}" for k, v in sorted(params.items()) if k != "Signature"
    )
    string_to_sign = f"{method}&{_pop_encode('/')}&{_pop_encode(query)}"
    digest = hmac.new(f"{secret}&".encode(), string_to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


class AliyunBackend:
    """Sends the configured template (HUB_SMS_ALIYUN_TEMPLATE_CODE) under the approved signature."""

    def send(self, message: Sms) -> None:
        key_id = settings.HUB_SMS_ALIYUN_ACCESS_KEY_ID
        secret = settings.HUB_SMS_ALIYUN_ACCESS_KEY_SECRET
        if not (
            key_id and secret and settings.HUB_SMS_ALIYUN_SIGN_NAME and settings.HUB_SMS_ALIYUN_TEMPLATE_CODE
        ):
            raise SmsError("Aliyun SMS is not configured (HUB_SMS_ALIYUN_* settings).")
        # Each kind of message has its own approved template: codes (${code}) and invitations (${scope}, ${link}).
        template_code = {
            "code": settings.HUB_SMS_ALIYUN_TEMPLATE_CODE,
            "invitation": settings.HUB_SMS_ALIYUN_INVITATION_TEMPLATE_CODE,
        }.get(message.template, "")
        if not template_code:
            raise SmsError(
                f"Aliyun SMS has no template for {message.template!r} messages (HUB_SMS_ALIYUN_*)."
            )
        params = {
            "AccessKeyId": key_id,
            "Action": "SendSms",
            "Format": "JSON",
            "PhoneNumbers": message.phone.removeprefix("+86"),
            "RegionId": "cn-hangzhou",
            "SignName": settings.HUB_SMS_ALIYUN_SIGN_NAME,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": uuid.uuid4().hex,
            "SignatureVersion": "1.0",
            "TemplateCode": template_code,
            "TemplateParam": json.dumps(message.params, ensure_ascii=False, separators=(",", ":")),
            "Timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": "2017-05-25",
        }
        params["Signature"] = aliyun_signature(params, secret, "POST")
        request = urllib.request.Request(  # noqa: S310 (the endpoint is a setting: https in production)
            settings.HUB_SMS_ALIYUN_ENDPOINT,
            data=urllib.parse.urlencode(params).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=settings.HUB_SMS_TIMEOUT) as response:  # noqa: S310
                body: dict[str, Any] = json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            raise SmsError(f"Aliyun SMS answered HTTP {exc.code}: {exc.read()[:300]!r}") from exc
        except (OSError, ValueError) as exc:
            raise SmsError(f"Aliyun SMS could not be reached: {exc}") from exc
        if body.get("Code") != "OK":
            raise SmsError(f"Aliyun SMS refused the message: {body.get('Code')} {body.get('Message')}")


def sms_send(*, phone: str, text: str, params: dict[str, str] | None = None, template: str = "code") -> None:
    """Send one text message now through the configured backend (raises what the backend raises). `text` is
    the whole message; providers that send approved templates only send `template` filled with `params`."""
    backend = import_string(settings.HUB_SMS_BACKEND)()
    backend.send(Sms(phone=phone_normalize(phone), text=text, params=dict(params or {}), template=template))


def sms_language(*, phone: str, user: Any = None) -> str:
    """The language of a text message to `phone`: the language its recipient chose (`user` when the caller
    knows who it is for, else the account that has this number), else the site's. A number without an
    account gets the site's language, whatever the language of the page that asked for the message."""
    from hub.language import user_language
    from hub.models import User

    if user is None:
        try:
            user = User.objects.filter(phone=phone_normalize(phone)).first()
        except ValidationError:
            user = None
    return user_language(user)


def sms_code_text(code: str, *, language: str | None = None) -> str:
    """The text of a code message in `language` (the active one when None); providers with approved
    templates send theirs with {"code": code} instead."""
    minutes = max(1, settings.ACCOUNT_LOGIN_BY_CODE_TIMEOUT // 60)
    with translation.override(language or translation.get_language()):
        return str(
            _(
                "%(site)s verification code: %(code)s. It expires in %(minutes)s minutes. Do not share it with anyone."
            )
            % {"site": settings.HUB_SITE_NAME, "code": code, "minutes": minutes}
        )


def sms_code_allowed(request: Any, phone: str) -> bool:
    """Count one code request for this number from this address against ACCOUNT_RATE_LIMITS["sms_code"]
    (allauth's rate limiter); False when over. Every form that leads to a code calls it when it is submitted,
    whether or not the number has an account (so the limit says nothing about that)."""
    from allauth.core import ratelimit

    return bool(ratelimit.consume(request, action="sms_code", key=phone_normalize(phone)))


def sms_code_send(*, phone: str, code: str, user: Any = None) -> None:
    """Send a sign-in or verification code (after sms_code_allowed said yes), in the recipient's language
    (sms_language: `user`, or the account with this number). Aliyun sends its approved template instead, the
    same for everyone: its templates are fixed and approved server-side, one per kind of message."""
    language = sms_language(phone=phone, user=user)
    sms_send(phone=phone, text=sms_code_text(code, language=language), params={"code": code})
