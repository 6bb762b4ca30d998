"""Text messages (SMS): the one way the hub sends one, and the one reading of a mobile number.

`sms_send(phone=, text=)` hands the message to the backend named by HUB_SMS_BACKEND:
- `hub.sms.ConsoleBackend` (the default): writes it to the log, for development and `make run`;
- `hub.sms.LocmemBackend` (the test suite): keeps it in `hub.sms.outbox`, like Django's mail.outbox;
- `hub.sms.JsonLinesFileBackend` (a test's daphne subprocess): appends it to a file the test reads;
- provider adapters for Chinese SMS services live beside them and are chosen the same way.

`phone_normalize(raw)` turns what people type into the stored E.164 form (+8613812345678) or raises
ValidationError with a message for them; every form that takes a number uses it.
"""

from __future__ import annotations

import json
import logging
import re
import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
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


class ConsoleBackend:
    def send(self, message: Sms) -> None:
        log.warning("SMS to %s: %s", message.phone, message.text)


# What LocmemBackend sent, oldest first (the test suite's backend).
outbox: list[Sms] = []


class LocmemBackend:
    def send(self, message: Sms) -> None:
        outbox.append(message)


class JsonLinesFileBackend:
    """For test servers in another process (daphne started by a test): each message is appended as one JSON
    line to the file named by settings.HUB_SMS_TEST_FILE (config/settings/test.py reads HUB_TEST_SMS_FILE);
    the test reads them back with `json_lines_outbox(path)`."""

    def send(self, message: Sms) -> None:
        with open(settings.HUB_SMS_TEST_FILE, "a", encoding="utf-8") as out:
            out.write(json.dumps({"phone": message.phone, "text": message.text}, ensure_ascii=False) + "\n")


def json_lines_outbox(path: str) -> list[Sms]:
    """What JsonLinesFileBackend wrote to `path`, oldest first (nothing when the file does not exist yet)."""
    try:
        with open(path, encoding="utf-8") as lines:
            return [Sms(**json.loads(line)) for line in lines if line.strip()]
    except FileNotFoundError:
        return []


def sms_send(*, phone: str, text: str) -> None:
    """Send one text message now through the configured backend (raises what the backend raises)."""
    backend = import_string(settings.HUB_SMS_BACKEND)()
    backend.send(Sms(phone=phone_normalize(phone), text=text))
