"""Shared helpers of the demo seeders (hub/dashboards/management/commands/seed_demo.py)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from allauth.account.models import EmailAddress

from hub.models import User

DEMO_ACCOUNTS = [
    ("organizer@example.com", "组织者 · 淮河路街道党工委 (organizer)"),
    ("merchant@example.com", "商家 · 郑州丝路优选电子商务有限公司 (merchant)"),
    ("official@example.com", "区领导 · 二七区 (official, read-only)"),
    ("member@example.com", "党员 · 白鲸·孵化器联合党支部 (member)"),
    ("park.organizer@example.com", "组织者 · 中国鞋都电商创业园党支部 (organizer)"),
    ("jiarun@example.com", "商家 · 佳润天成 (merchant)"),
    ("admin@example.com", "管理员 · hub staff (admin site)"),
]


@dataclass
class DemoContext:
    password: str
    stdout: object = None
    created: Counter = field(default_factory=Counter)

    def count(self, what: str, created: bool) -> None:
        if created:
            self.created[what] += 1

    def summary(self) -> str:
        if not self.created:
            return "nothing new"
        return ", ".join(f"{n} {what}" for what, n in sorted(self.created.items())) + " created"

    def user(self, email: str, name: str, *, staff: bool = False) -> User:
        """A verified demo account. The password is set only when it differs, so a re-run changes nothing."""
        user, created = User.objects.get_or_create(
            email=email, defaults={"name": name, "is_staff": staff, "is_superuser": staff}
        )
        self.count("accounts", created)
        if created or not user.check_password(self.password):
            user.set_password(self.password)
            user.save(update_fields=["password"])
        EmailAddress.objects.get_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        return user
