"""Reads of the room's interaction: questions, polls and quizzes (their results and each member's score),
the announcement and the likes. The payloads are what the room socket sends (docs/live-room-protocol.md).

For other areas (the learning record, the dashboards), the stable contract is:

- quiz_scores(*, session_ids, user_ids=None) -> {(user_id, session_id): (right answers, quiz questions)}
- poll_answer_counts(*, session_ids) -> {session_id: (answers given, distinct people who answered)}
- likes_totals(*, session_ids) -> {session_id: likes stored}
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db.models import Count, Q

from livestreams.models import (
    LiveSession,
    Poll,
    PollAnswer,
    PollOption,
    QuestionVote,
    RoomAnnouncement,
    RoomQuestion,
    SessionLikes,
)
from livestreams.selectors.room import public_name

# The questions list a room shows (pinned first, then by votes): the most asked-for ones.
QUESTIONS_SHOWN = 50


# --- Quizzes and polls for other areas ---------------------------------------------------------------


def quiz_scores(
    *, session_ids: Iterable[int], user_ids: Iterable[int] | None = None
) -> dict[tuple[int, int], tuple[int, int]]:
    """(user_id, session_id) → (right answers, quiz questions asked in that session).

    A quiz question counts once the host has opened it. Without user_ids: the people who answered at least
    one quiz question of the sessions. With user_ids: each of them for every session with a quiz question
    asked, (0, n) when they answered none. Sessions without quiz questions are absent. Two queries."""
    sessions = list(session_ids)
    asked = dict(
        Poll.objects.filter(session_id__in=sessions, kind=Poll.Kind.QUIZ, opened_at__isnull=False)
        .values_list("session_id")
        .annotate(n=Count("id"))
        .values_list("session_id", "n")
    )
    if not asked:
        return {}
    answers = PollAnswer.objects.filter(
        poll__session_id__in=list(asked), poll__kind=Poll.Kind.QUIZ, poll__opened_at__isnull=False
    )
    users = None if user_ids is None else list(user_ids)
    if users is not None:
        answers = answers.filter(user_id__in=users)
    scores: dict[tuple[int, int], tuple[int, int]] = {}
    if users is not None:
        for uid in users:
            for sid, n in asked.items():
                scores[(uid, sid)] = (0, n)
    rows = (
        answers.values("user_id", "poll__session_id")
        .annotate(right=Count("id", filter=Q(correct=True)))
        .values_list("user_id", "poll__session_id", "right")
    )
    for uid, sid, right in rows:
        scores[(uid, sid)] = (right, asked[sid])
    return scores


def poll_answer_counts(*, session_ids: Iterable[int]) -> dict[int, tuple[int, int]]:
    """session_id → (answers given to its polls and quiz questions, distinct people who answered)."""
    rows = (
        PollAnswer.objects.filter(poll__session_id__in=list(session_ids))
        .values("poll__session_id")
        .annotate(answers=Count("id"), people=Count("user_id", distinct=True))
        .values_list("poll__session_id", "answers", "people")
    )
    return {sid: (answers, people) for sid, answers, people in rows}


def likes_totals(*, session_ids: Iterable[int]) -> dict[int, int]:
    """session_id → likes stored (taps of the last fraction of a second may still be on their way)."""
    return dict(
        SessionLikes.objects.filter(session_id__in=list(session_ids)).values_list("session_id", "total")
    )


# --- Room payloads ---------------------------------------------------------------------------------------


def question_payload(question: RoomQuestion) -> dict[str, Any]:
    return {
        "id": question.pk,
        "text": question.text,
        "author": public_name(question.author),
        "votes": question.votes,
        "answered": question.answered_at is not None,
        "pinned": question.pinned,
        "created": question.created_at.isoformat(),
    }


def room_questions(*, session: LiveSession | int) -> list[dict[str, Any]]:
    """The room's questions list: pinned first, then by votes, then oldest first."""
    rows = RoomQuestion.objects.filter(session=session).select_related("author")[:QUESTIONS_SHOWN]
    return [question_payload(q) for q in rows]


def questions_voted(*, session: LiveSession | int, user_id: int | None) -> list[int]:
    if user_id is None:
        return []
    return list(
        QuestionVote.objects.filter(question__session=session, user_id=user_id).values_list(
            "question_id", flat=True
        )
    )


def poll_payload(
    poll: Poll, *, counts: dict[int, int] | None = None, with_answers: bool = False
) -> dict[str, Any]:
    """A poll as the room shows it. The right answers of a quiz are sent only once it is closed (or to its
    moderators, with_answers); counts are the answers per option."""
    counts = counts or {}
    reveal = with_answers or (poll.kind == Poll.Kind.QUIZ and poll.state == Poll.State.CLOSED)
    options: list[PollOption] = list(poll.options.all())
    return {
        "id": poll.pk,
        "kind": poll.kind,
        "prompt": poll.prompt,
        "multiple": poll.multiple,
        "state": poll.state,
        "options": [
            {
                "id": o.pk,
                "text": o.text,
                "count": counts.get(o.pk, 0),
                **({"correct": o.is_correct} if reveal and poll.kind == Poll.Kind.QUIZ else {}),
            }
            for o in options
        ],
        "answers": counts.get(0, 0),
    }


def _counts(poll_ids: list[int]) -> dict[int, dict[int, int]]:
    """poll id → {option id: answers choosing it, 0: answers}."""
    out: dict[int, dict[int, int]] = defaultdict(dict)
    for pid, oid, n in (
        PollOption.objects.filter(poll_id__in=poll_ids)
        .annotate(n=Count("answers"))
        .values_list("poll_id", "id", "n")
    ):
        out[pid][oid] = n
    for pid, n in (
        PollAnswer.objects.filter(poll_id__in=poll_ids)
        .values("poll_id")
        .annotate(n=Count("id"))
        .values_list("poll_id", "n")
    ):
        out[pid][0] = n
    return out


def room_polls(*, session: LiveSession | int, moderator: bool = False) -> list[dict[str, Any]]:
    """The session's polls as the room shows them: opened and closed ones to everyone, the prepared ones (and
    the quizzes' right answers) to its moderators too."""
    polls = Poll.objects.filter(session=session).prefetch_related("options")
    if not moderator:
        polls = polls.exclude(state=Poll.State.READY)
    rows = list(polls)
    counts = _counts([p.pk for p in rows])
    return [poll_payload(p, counts=counts.get(p.pk), with_answers=moderator) for p in rows]


def poll_state(*, poll_id: int) -> dict[str, Any] | None:
    """One poll's public payload with its current results (the coalesced push reads it)."""
    poll = Poll.objects.filter(pk=poll_id).prefetch_related("options").first()
    if poll is None:
        return None
    return poll_payload(poll, counts=_counts([poll.pk]).get(poll.pk))


def polls_answered(*, session: LiveSession | int, user_id: int | None) -> dict[str, list[int]]:
    """{poll id (as text, a JSON key): the option ids the user chose, in ascending order} for the session's
    polls."""
    if user_id is None:
        return {}
    out: dict[str, list[int]] = defaultdict(list)
    for pid, oid in (
        PollAnswer.options.through.objects.filter(
            pollanswer__poll__session=session, pollanswer__user_id=user_id
        )
        .values_list("pollanswer__poll_id", "polloption_id")
        .order_by("pollanswer__poll_id", "polloption_id")
    ):
        out[str(pid)].append(oid)
    return dict(out)


def announcement_payload(*, session: LiveSession | int) -> dict[str, Any]:
    row = RoomAnnouncement.objects.filter(session=session).first()
    return {
        "type": "announcement",
        "text": row.text if row else None,
        "set_at": row.set_at.isoformat() if row else None,
    }


def session_polls(*, session: LiveSession) -> list[Poll]:
    """The polls of a class's preparation page, with their options and answer counts."""
    return list(
        Poll.objects.filter(session=session)
        .prefetch_related("options")
        .annotate(answer_count=Count("answers"))
    )
