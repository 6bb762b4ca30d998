"""seed_demo gives the live class prepared polls and quiz questions, questions with votes and an announcement."""

from __future__ import annotations

import io

import pytest

from hub.demo import DemoContext
from livestreams.demo import interaction
from livestreams.demo.room import LIVE_CLASS
from livestreams.models import LiveSession, Poll, RoomAnnouncement, RoomQuestion
from tests.demo import DEMO_PASSWORD


@pytest.mark.django_db
def test_the_live_class_has_polls_questions_and_an_announcement_and_a_second_run_adds_nothing(seeded_demo):
    live = LiveSession.objects.get(title=LIVE_CLASS)
    polls = list(Poll.objects.filter(session=live))
    assert [p.kind for p in polls] == ["quiz", "quiz", "poll"] and all(p.state == "ready" for p in polls)
    assert [o.text for o in polls[0].options.all() if o.is_correct] == ["2022 年"]
    questions = list(RoomQuestion.objects.filter(session=live))
    assert questions[0].votes == 3 and questions[0].vote_rows.count() == 3
    assert RoomAnnouncement.objects.get(session=live).text.startswith("欢迎")
    ctx = DemoContext(password=DEMO_PASSWORD, stdout=io.StringIO())
    interaction.seed(ctx)
    assert not ctx.created
    assert "polls and quiz questions" in seeded_demo
