"""Questions, polls and quizzes, the announcement and likes: the services and selectors of the room's interaction."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from livestreams.models import LiveSession, Poll, PollAnswer, QuestionVote, RoomAnnouncement, RoomQuestion
from livestreams.selectors.interaction import (
    likes_totals,
    poll_answer_counts,
    quiz_scores,
    room_polls,
    room_questions,
)
from livestreams.services import interaction as svc
from livestreams.services.room import RoomError
from tests import factories as f
from tests.interaction_helpers import live_class, members, prepare
from tests.room_helpers import clean_room_redis

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clean_redis():
    clean_room_redis()


@pytest.fixture
def live(world):
    return live_class(world)


def refusal(fn, **kwargs) -> RoomError:
    with pytest.raises(RoomError) as caught:
        fn(**kwargs)
    return caught.value


# --- Questions ---------------------------------------------------------------------------------------------


def test_members_ask_and_upvote_once_and_the_list_sorts_by_votes(live, world, member, organizer):
    m1, m2 = members(world, 2)
    first = svc.question_ask(session=live, user=member, text="  学时怎么算？ ")
    second = svc.question_ask(session=live, user=m1, text="课件在哪里下载？")
    assert svc.question_vote(session=live, user=m2, question_id=second.pk) == 1
    assert svc.question_vote(session=live, user=member, question_id=second.pk) == 2
    assert refusal(svc.question_vote, session=live, user=m2, question_id=second.pk).code == "already_voted"
    assert [q["text"] for q in room_questions(session=live)] == ["课件在哪里下载？", "学时怎么算？"]
    assert QuestionVote.objects.filter(question=second).count() == 2
    svc.question_pin(session=live, user=organizer, question_id=first.pk)
    svc.question_mark_answered(session=live, user=organizer, question_id=second.pk)
    items = room_questions(session=live)
    assert [(q["text"], q["pinned"], q["answered"]) for q in items] == [
        ("学时怎么算？", True, False),
        ("课件在哪里下载？", False, True),
    ]


def test_question_refusals_change_nothing(live, world, member, outsider):
    assert refusal(svc.question_ask, session=live, user=outsider, text="hi").code == "forbidden"
    assert refusal(svc.question_ask, session=live, user=member, text="  ").code == "empty"
    assert refusal(svc.question_ask, session=live, user=member, text=5).code == "invalid"
    assert refusal(svc.question_ask, session=live, user=member, text="问" * 201).code == "too_long"
    assert refusal(svc.question_ask, session=live, user=member, text="a\x00b").code == "invalid"
    assert refusal(svc.question_vote, session=live, user=member, question_id="1").code == "invalid"
    assert refusal(svc.question_vote, session=live, user=member, question_id=999999).code == "not_found"
    q = svc.question_ask(session=live, user=member, text="问题")
    assert refusal(svc.question_pin, session=live, user=member, question_id=q.pk).code == "forbidden"
    assert (
        refusal(svc.question_mark_answered, session=live, user=member, question_id=q.pk).code == "forbidden"
    )
    other = live_class(world)
    assert refusal(svc.question_vote, session=other, user=member, question_id=q.pk).code == "not_found"
    assert RoomQuestion.objects.count() == 1 and not QuestionVote.objects.exists()


def test_the_audience_asks_at_most_three_questions_a_minute(live, member, organizer):
    for i in range(3):
        svc.question_ask(session=live, user=member, text=f"问题{i}")
    error = refusal(svc.question_ask, session=live, user=member, text="第四个")
    assert error.code == "rate_limited" and error.retry_after >= 1
    for i in range(5):  # the hosts are not limited
        svc.question_ask(session=live, user=organizer, text=f"主持人{i}")


def test_a_sensitive_word_blocks_a_question(live, member):
    from livestreams.models import BannedWord

    BannedWord.objects.create(word="赌博", action=BannedWord.Action.BLOCK)
    assert refusal(svc.question_ask, session=live, user=member, text="赌 博吗").code == "blocked_word"


# --- Polls and quizzes ----------------------------------------------------------------------------------------


def test_a_quiz_is_prepared_opened_answered_once_scored_and_closed(live, world, member, organizer):
    m1, m2 = members(world, 2)
    quiz = prepare(live, organizer, quiz=True, options=("2021", "2022", "2023"), correct=(2,))
    poll = prepare(live, organizer, multiple=True, options=("理论", "案例", "讨论"))
    opts = [o.pk for o in quiz.options.all()]
    assert refusal(
        svc.poll_answer, session=live, user=member, poll_id=quiz.pk, option_ids=[opts[1]]
    ).code == (
        "not_found"  # a prepared poll is secret until it is opened
    )
    assert refusal(svc.poll_open, session=live, user=member, poll_id=quiz.pk).code == "forbidden"
    svc.poll_open(session=live, user=organizer, poll_id=quiz.pk)
    assert svc.poll_answer(session=live, user=member, poll_id=quiz.pk, option_ids=[opts[1]]).correct is True
    assert svc.poll_answer(session=live, user=m1, poll_id=quiz.pk, option_ids=[opts[0]]).correct is False
    assert refusal(
        svc.poll_answer, session=live, user=member, poll_id=quiz.pk, option_ids=[opts[0]]
    ).code == ("already_answered")
    assert refusal(
        svc.poll_answer, session=live, user=m2, poll_id=quiz.pk, option_ids=[opts[0], opts[1]]
    ).code == (
        "invalid"  # one answer only
    )
    assert (
        refusal(svc.poll_answer, session=live, user=m2, poll_id=quiz.pk, option_ids=[999999]).code
        == "not_found"
    )
    assert refusal(svc.poll_answer, session=live, user=m2, poll_id=quiz.pk, option_ids="1").code == "invalid"
    assert refusal(svc.poll_answer, session=live, user=m2, poll_id=quiz.pk, option_ids=[]).code == "invalid"
    svc.poll_close(session=live, user=organizer, poll_id=quiz.pk)
    assert (
        refusal(svc.poll_answer, session=live, user=m2, poll_id=quiz.pk, option_ids=[opts[1]]).code
        == "closed"
    )
    svc.poll_open(session=live, user=organizer, poll_id=poll.pk)
    popts = [o.pk for o in poll.options.all()]
    svc.poll_answer(session=live, user=member, poll_id=poll.pk, option_ids=[popts[0], popts[2]])

    public = {p["id"]: p for p in room_polls(session=live)}
    assert public[quiz.pk]["state"] == "closed" and public[quiz.pk]["answers"] == 2
    assert [(o["count"], o["correct"]) for o in public[quiz.pk]["options"]] == [
        (1, False),
        (1, True),
        (0, False),
    ]
    assert [o["count"] for o in public[poll.pk]["options"]] == [1, 0, 1]
    assert "correct" not in public[poll.pk]["options"][0]
    assert PollAnswer.objects.count() == 3

    assert quiz_scores(session_ids=[live.pk]) == {(member.pk, live.pk): (1, 1), (m1.pk, live.pk): (0, 1)}
    assert quiz_scores(session_ids=[live.pk], user_ids=[member.pk, m2.pk]) == {
        (member.pk, live.pk): (1, 1),
        (m2.pk, live.pk): (0, 1),
    }
    assert poll_answer_counts(session_ids=[live.pk]) == {live.pk: (3, 2)}


def test_an_open_quiz_hides_its_right_answer_from_the_audience_but_not_the_host(live, organizer):
    quiz = prepare(live, organizer, quiz=True)
    prepare(live, organizer)  # still prepared: the host sees it, the audience does not
    svc.poll_open(session=live, user=organizer, poll_id=quiz.pk)
    public = room_polls(session=live)
    assert [p["id"] for p in public] == [quiz.pk]
    assert all("correct" not in o for o in public[0]["options"])
    hosts = room_polls(session=live, moderator=True)
    assert len(hosts) == 2 and [o["correct"] for o in hosts[0]["options"]] == [False, True, False]


def test_quiz_scores_with_several_sessions_and_no_quizzes(world, member, organizer):
    a, b, c = live_class(world), live_class(world), live_class(world)
    qa = prepare(a, organizer, quiz=True)
    qa2 = prepare(a, organizer, quiz=True, multiple=True, correct=(1, 3))
    prepare(b, organizer, quiz=True)  # never opened: does not count
    for q in (qa, qa2):
        svc.poll_open(session=a, user=organizer, poll_id=q.pk)
    right = [o.pk for o in qa2.options.all() if o.is_correct]
    svc.poll_answer(session=a, user=member, poll_id=qa2.pk, option_ids=right)
    assert quiz_scores(session_ids=[a.pk, b.pk, c.pk]) == {(member.pk, a.pk): (1, 2)}
    assert quiz_scores(session_ids=[b.pk, c.pk], user_ids=[member.pk]) == {}
    assert quiz_scores(session_ids=[], user_ids=[member.pk]) == {}


def test_preparing_checks_options_and_right_answers(live, organizer, member):
    with pytest.raises(ValidationError) as caught:
        prepare(live, organizer, options=("只有一个",))
    assert "options" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        prepare(live, organizer, quiz=True, correct=())
    assert "correct" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        prepare(live, organizer, quiz=True, correct=(5,))
    assert "correct" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        prepare(live, organizer, quiz=True, correct=(1, 2))
    assert "correct" in caught.value.message_dict
    with pytest.raises(ValidationError):
        prepare(live, member)
    assert not Poll.objects.exists()
    poll = prepare(live, organizer)
    svc.poll_open(session=live, user=organizer, poll_id=poll.pk)
    with pytest.raises(ValidationError):
        svc.poll_delete(session=live, user=organizer, poll=poll)
    with pytest.raises(ValidationError):
        svc.poll_save(
            session=live,
            user=organizer,
            kind="poll",
            prompt="x",
            multiple=False,
            options=["a", "b"],
            poll=poll,
        )


def test_a_poll_cannot_be_opened_in_an_ended_session(world, organizer):
    ended = live_class(world, status=LiveSession.Status.ENDED)
    poll = prepare(ended, organizer)
    assert refusal(svc.poll_open, session=ended, user=organizer, poll_id=poll.pk).code == "closed"


# --- Announcement and likes ---------------------------------------------------------------------------------------


def test_the_host_sets_and_clears_the_announcement(
    live, organizer, member, django_capture_on_commit_callbacks
):
    assert refusal(svc.announcement_set, session=live, user=member, text="x").code == "forbidden"
    assert refusal(svc.announcement_set, session=live, user=organizer, text="长" * 301).code == "too_long"
    assert refusal(svc.announcement_set, session=live, user=organizer, text=["x"]).code == "invalid"
    with django_capture_on_commit_callbacks(execute=True):
        svc.announcement_set(session=live, user=organizer, text="请大家打开课件第 3 页")
    assert RoomAnnouncement.objects.get(session=live).text == "请大家打开课件第 3 页"
    with django_capture_on_commit_callbacks(execute=True):
        svc.announcement_set(session=live, user=organizer, text=None)
    assert not RoomAnnouncement.objects.exists()


def test_likes_taken_from_redis_are_added_to_the_total(live, world):
    from hub.redis import get_redis

    client = get_redis()
    sales = f.SalesSessionFactory(
        enterprise=world.enterprise_a, session__status=LiveSession.Status.LIVE
    ).session
    for sid, taps in ((live.pk, 7), (sales.pk, 3)):
        client.register_script(svc.LIKE_TAP_LUA)(
            keys=[svc.likes_pending_key(sid), svc.coalesce_key(sid, "likes"), svc.likes_rooms_key()],
            args=[taps, svc.COALESCE_LOCK_MS, sid, 3600],
        )
    assert svc.likes_total(session_id=live.pk) == 7
    assert svc.likes_flush(session_id=live.pk) == 7
    assert svc.likes_flush(session_id=live.pk) is None
    # The sales room's flush was lost (its lock is held by nobody alive): the sweeper adds it once the lock expired.
    client.delete(svc.coalesce_key(sales.pk, "likes"))
    assert svc.likes_sweep() == 1
    assert likes_totals(session_ids=[live.pk, sales.pk]) == {live.pk: 7, sales.pk: 3}
    assert svc.likes_total(session_id=sales.pk) == 3
