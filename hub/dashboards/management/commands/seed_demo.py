"""Demo data from ../shared/docs/domain.md. Idempotent: a second run changes nothing."""

from __future__ import annotations

import os
import secrets
from importlib import import_module

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from hub.demo import DEMO_ACCOUNTS, DemoContext

# Each area seeds its own part, in this order (later parts use the people and places of earlier ones).
SEEDERS = [
    "partyorgs.demo.seed",
    "livestreams.demo.classes.seed",
    "livestreams.demo.meetings.seed",
    "livestreams.demo.sales.seed",
    "livestreams.demo.sales_room.seed",
    "livestreams.demo.room.seed",
    "livestreams.demo.interaction.seed",
    # Last: it tallies the history that the seeders above wrote.
    "hub.dashboards.demo.seed",
]


def _password_file():
    return settings.VAR_DIR / "demo-password"


def resolve_password(given: str | None) -> tuple[str, bool]:
    """(password, generated). Order: --password, DEMO_PASSWORD, the one generated earlier, a new one."""
    if given:
        return given, False
    if os.environ.get("DEMO_PASSWORD"):
        return os.environ["DEMO_PASSWORD"], False
    path = _password_file()
    if path.exists():
        return path.read_text().strip(), False
    password = secrets.token_urlsafe(9)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(password + "\n")
    path.chmod(0o600)
    return password, True


class Command(BaseCommand):
    help = "Load the demo district (二七区 / 淮河路街道 and friends) with demo accounts; safe to run again."

    def add_arguments(self, parser):
        parser.add_argument(
            "--password", help="password of the demo accounts (default: DEMO_PASSWORD or generated)"
        )
        parser.add_argument("--logins", action="store_true", help="only print the demo logins")

    def handle(self, *args, password=None, logins=False, **options):
        password, generated = resolve_password(password)
        if not logins:
            ctx = DemoContext(password=password, stdout=self.stdout)
            with transaction.atomic():
                for dotted in SEEDERS:
                    module, func = dotted.rsplit(".", 1)
                    getattr(import_module(module), func)(ctx)
            self.stdout.write(self.style.SUCCESS(f"Demo data ready ({ctx.summary()})."))
        note = ", generated and kept in var/demo-password" if generated else ""
        self.stdout.write(f"Demo logins (password: {password}{note}):")
        for email, what in DEMO_ACCOUNTS:
            self.stdout.write(f"  {email:<28} {what}")
