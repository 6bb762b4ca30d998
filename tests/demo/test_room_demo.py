"""seed_demo grows with the live room: a class that is live now, sessions of every kind, comments, presence."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from hub.models import User
from livestreams.demo.room import LIVE_CLASS
from livestreams.models import BannedWord, Comment, LiveSession, PresenceInterval
from tests.demo import DEMO_PASSWORD


@pytest.mark.django_db
def test_the_demo_has_a_live_class_for_the_demo_member_and_a_second_run_creates_nothing(seeded_demo, capsys):
    live = LiveSession.objects.get(title=LIVE_CLASS)
    assert live.status == LiveSession.Status.LIVE and live.starts_at < timezone.now() < live.ends_at
    for kind in LiveSession.Kind.values:
        statuses = set(LiveSession.objects.filter(kind=kind).values_list("status", flat=True))
        assert {"scheduled", "ended"} <= statuses | ({"live"} if kind == "party_class" else set())
    assert Comment.objects.filter(session__status="ended").count() >= 20
    assert PresenceInterval.objects.filter(left_at__isnull=False).count() >= 20
    assert BannedWord.objects.filter(action="block").exists()

    client = Client()
    client.force_login(User.objects.get(email="member@example.com"))
    response = client.get(f"/live/{live.pk}/")
    assert response.status_code == 200 and "孵化器" in response.content.decode()

    # A later start finds the class over: it is made live again, and nothing new is created.
    LiveSession.objects.filter(pk=live.pk).update(status=LiveSession.Status.ENDED)
    counts = (LiveSession.objects.count(), Comment.objects.count(), PresenceInterval.objects.count())
    call_command("seed_demo", password=DEMO_PASSWORD)
    assert (LiveSession.objects.count(), Comment.objects.count(), PresenceInterval.objects.count()) == counts
    assert LiveSession.objects.get(pk=live.pk).status == LiveSession.Status.LIVE
