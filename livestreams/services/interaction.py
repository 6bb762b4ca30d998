"""Writes of the room's interaction: questions and votes, polls and quizzes (prepared on the class's pages,
opened and answered live), the pinned announcement, and likes (counted in Redis, added here by a flush).

A refusal raises livestreams.services.room.RoomError with a code clients act on (docs/live-room-protocol.md).
The hosts' actions (open, close, pin, mark answered, announce) push to the room on commit. The audience's
frequent writes (a question asked, a vote, a poll answer, likes) are pushed coalesced: the room socket part
(livestreams/consumers/parts/interaction.py) asks Redis for a short lock per room and kind; the process that
gets it pushes the current state once the lock's time has passed (push_questions, push_poll, likes_flush).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from hub.models import User
from hub.redis import get_redis, key
from livestreams import realtime as rt
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
from livestreams.models.interaction import ANNOUNCEMENT_MAX_LENGTH, POLL_MAX_OPTIONS, QUESTION_MAX_LENGTH
from livestreams.permissions import can_manage
from livestreams.selectors.interaction import announcement_payload, poll_state, room_polls, room_questions
from livestreams.services.room import RoomError, _comment_rights, text_filter

S = LiveSession.Status
OPEN_STATUSES = (S.SCHEDULED, S.LIVE)

# The audience: at most QUESTION_RATE questions per QUESTION_RATE_WINDOW seconds per person and room.
QUESTION_RATE = 3
QUESTION_RATE_WINDOW = 60
# Coalesced pushes: at most one per room and kind per this many milliseconds, whatever the number of
# processes (the lock lives in Redis). The lock expires by itself after COALESCE_LOCK_MS should its holder die.
COALESCE_MS = 400
COALESCE_LOCK_MS = 3000
# Likes: a frame carries at most LIKE_BATCH_MAX taps (the page groups taps); each socket may send at most
# LIKE_RATE taps per second (a bucket of LIKE_BURST).
LIKE_BATCH_MAX = 20
# Each process writes the taps it received to Redis once per LIKES_WRITE_MS per room.
LIKES_WRITE_MS = 100
LIKE_RATE = 20
LIKE_BURST = 40

_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def _publish(session_id: int, build: Any) -> None:
    """Push what build() returns once the transaction is committed (read after the commit)."""
    transaction.on_commit(lambda: rt.room_publish(session_id, build()), robust=True)


def _signed_in(user: User, message: str) -> None:
    if not getattr(user, "is_authenticated", False):
        raise RoomError("login_required", message)


def _audience_rights(session: LiveSession, user: User) -> bool:
    """Checks that the user may take part now (signed in, in the audience, session open); True for its
    moderators."""
    rights = _comment_rights(session, user)
    if rights["status"] not in OPEN_STATUSES:
        raise RoomError("closed", _("This session is not open for that any more."))
    if not rights["in_audience"]:
        raise RoomError("forbidden", _("Only the audience of this session can do that."))
    return bool(rights["manager"])


def _require_moderator(session: LiveSession, user: User) -> None:
    if not getattr(user, "is_authenticated", False) or not can_manage(user, session):
        raise RoomError("forbidden", _("Only the moderators of this session can do that."))


def _object_id(value: object) -> int:
    if type(value) is not int or value <= 0:
        raise RoomError("invalid", _("Say which one (its id)."))
    return value


def _one_line(value: object, *, max_length: int, empty_message: str) -> str:
    if value is not None and not isinstance(value, str):
        raise RoomError("invalid", _("The text must be a string."))
    text = (value or "").strip()
    if not text:
        raise RoomError("empty", empty_message)
    if _CONTROL.search(text):
        raise RoomError("invalid", _("The text cannot contain control characters."))
    if len(text) > max_length:
        raise RoomError(
            "too_long",
            _("At most %(max)d characters (this has %(n)d).") % {"max": max_length, "n": len(text)},
        )
    return text


# --- Coalescing -----------------------------------------------------------------------------------------


def coalesce_key(session_id: int, what: str) -> str:
    return key("room", session_id, "push", what)


def _release(session_id: int, what: str) -> None:
    # Released before the state is read: a write committed after this takes the lock again and pushes anew.
    get_redis().delete(coalesce_key(session_id, what))


def push_questions(*, session_id: int) -> None:
    """The coalesced push of the questions list."""
    _release(session_id, "questions")
    rt.room_publish(session_id, {"type": "questions", "items": room_questions(session=session_id)})


def push_poll(*, session_id: int, poll_id: int) -> None:
    """The coalesced push of one poll's results."""
    _release(session_id, f"poll:{poll_id}")
    payload = poll_state(poll_id=poll_id)
    if payload is not None:
        rt.room_publish(session_id, {"type": "poll", "poll": payload})


# --- Questions ------------------------------------------------------------------------------------------


def _question_throttle(session: LiveSession, user: User) -> None:
    client = get_redis()
    name = key("room", session.pk, "questions-rate", user.pk)
    pipe = client.pipeline()
    pipe.incr(name)
    pipe.expire(name, QUESTION_RATE_WINDOW, nx=True)
    pipe.ttl(name)
    n, _set, ttl = pipe.execute()
    if n > QUESTION_RATE:
        raise RoomError(
            "rate_limited",
            _("You are asking too fast: at most %(n)d questions a minute.") % {"n": QUESTION_RATE},
            max(1, int(ttl)),
        )


@transaction.atomic
def question_ask(*, session: LiveSession, user: User, text: object) -> RoomQuestion:
    """Store a question of the audience (pushed coalesced by the socket part)."""
    _signed_in(user, _("Sign in to ask a question."))
    text = _one_line(text, max_length=QUESTION_MAX_LENGTH, empty_message=_("Write your question first."))
    moderator = _audience_rights(session, user)
    rights = _comment_rights(session, user)
    if not moderator and rights["muted"]:
        raise RoomError("muted", _("A moderator has muted you in this session."))
    text, blocked = text_filter(text)
    if blocked:
        raise RoomError("blocked_word", _("Your question contains words that are not allowed here."))
    if not moderator:
        _question_throttle(session, user)
    question = RoomQuestion(session=session, author=user, text=text)
    question.full_clean(exclude=["session", "author"])
    question.save()
    return question


@transaction.atomic
def question_vote(*, session: LiveSession, user: User, question_id: object) -> int:
    """Upvote a question, once per person. Returns its votes."""
    _signed_in(user, _("Sign in to vote."))
    qid = _object_id(question_id)
    _audience_rights(session, user)
    question = RoomQuestion.objects.select_for_update().filter(session=session, pk=qid).first()
    if question is None:
        raise RoomError("not_found", _("That question does not exist in this session."))
    try:
        with transaction.atomic():
            QuestionVote.objects.create(question=question, user=user)
    except IntegrityError:
        raise RoomError("already_voted", _("You have already voted for this question.")) from None
    RoomQuestion.objects.filter(pk=qid).update(votes=F("votes") + 1)
    return question.votes + 1


def _moderated_question(session: LiveSession, user: User, question_id: object) -> RoomQuestion:
    qid = _object_id(question_id)
    _require_moderator(session, user)
    question = RoomQuestion.objects.select_for_update().filter(session=session, pk=qid).first()
    if question is None:
        raise RoomError("not_found", _("That question does not exist in this session."))
    return question


def _push_questions_on_commit(session: LiveSession) -> None:
    sid = session.pk
    _publish(sid, lambda: {"type": "questions", "items": room_questions(session=sid)})


@transaction.atomic
def question_mark_answered(
    *, session: LiveSession, user: User, question_id: object, answered: object = True
) -> None:
    if not isinstance(answered, bool):
        raise RoomError("invalid", _("Say answered: true or false."))
    question = _moderated_question(session, user, question_id)
    question.answered_at = timezone.now() if answered else None
    if answered:
        question.pinned = False
    question.save(update_fields=["answered_at", "pinned"])
    _push_questions_on_commit(session)


@transaction.atomic
def question_pin(*, session: LiveSession, user: User, question_id: object, pinned: object = True) -> None:
    """Pin one question above the others (unpinning any other), or unpin it."""
    if not isinstance(pinned, bool):
        raise RoomError("invalid", _("Say pinned: true or false."))
    question = _moderated_question(session, user, question_id)
    RoomQuestion.objects.filter(session=session, pinned=True).exclude(pk=question.pk).update(pinned=False)
    question.pinned = pinned
    question.save(update_fields=["pinned"])
    _push_questions_on_commit(session)


# --- Polls and quizzes ------------------------------------------------------------------------------------


def _moderated_poll(session: LiveSession, user: User, poll_id: object) -> Poll:
    pid = _object_id(poll_id)
    _require_moderator(session, user)
    poll = Poll.objects.select_for_update().filter(session=session, pk=pid).first()
    if poll is None:
        raise RoomError("not_found", _("That poll does not exist in this session."))
    return poll


def _push_poll_on_commit(session: LiveSession, poll_id: int) -> None:
    _publish(session.pk, lambda: {"type": "poll", "poll": poll_state(poll_id=poll_id)})


@transaction.atomic
def poll_open(*, session: LiveSession, user: User, poll_id: object) -> Poll:
    """Open a prepared (or closed) poll for answers, live."""
    poll = _moderated_poll(session, user, poll_id)
    status = LiveSession.objects.filter(pk=session.pk).values_list("status", flat=True).get()
    if status not in OPEN_STATUSES:
        raise RoomError("closed", _("This session is not open for that any more."))
    if poll.state != Poll.State.OPEN:
        poll.state = Poll.State.OPEN
        poll.opened_at = poll.opened_at or timezone.now()
        poll.closed_at = None
        poll.save(update_fields=["state", "opened_at", "closed_at"])
        _push_poll_on_commit(session, poll.pk)
    return poll


@transaction.atomic
def poll_close(*, session: LiveSession, user: User, poll_id: object) -> Poll:
    poll = _moderated_poll(session, user, poll_id)
    if poll.state == Poll.State.READY:
        raise RoomError("closed", _("That poll has not been opened."))
    if poll.state == Poll.State.OPEN:
        poll.state = Poll.State.CLOSED
        poll.closed_at = timezone.now()
        poll.save(update_fields=["state", "closed_at"])
        _push_poll_on_commit(session, poll.pk)
    return poll


def _chosen(poll: Poll, option_ids: object) -> list[PollOption]:
    if not isinstance(option_ids, list) or not option_ids or len(option_ids) > POLL_MAX_OPTIONS:
        raise RoomError("invalid", _("Choose at least one option."))
    if any(type(o) is not int for o in option_ids) or len(set(option_ids)) != len(option_ids):
        raise RoomError("invalid", _("Choose options of this poll (their ids), each once."))
    options = {o.pk: o for o in poll.options.all()}
    if any(o not in options for o in option_ids):
        raise RoomError("not_found", _("That option is not one of this poll's."))
    if not poll.multiple and len(option_ids) != 1:
        raise RoomError("invalid", _("Choose one option only."))
    return [options[o] for o in option_ids]


@transaction.atomic
def poll_answer(*, session: LiveSession, user: User, poll_id: object, option_ids: object) -> PollAnswer:
    """A member's answer to an open poll, once; a quiz answer is right when it picks exactly the right options."""
    _signed_in(user, _("Sign in to answer."))
    pid = _object_id(poll_id)
    _audience_rights(session, user)
    poll = Poll.objects.filter(session=session, pk=pid).exclude(state=Poll.State.READY).first()
    if poll is None:
        raise RoomError("not_found", _("That poll does not exist in this session."))
    chosen = _chosen(poll, option_ids)
    if poll.state != Poll.State.OPEN:
        raise RoomError("closed", _("This poll is closed."))
    right = {o.pk for o in poll.options.all() if o.is_correct}
    answer = PollAnswer(
        poll=poll, user=user, correct=poll.kind == Poll.Kind.QUIZ and {o.pk for o in chosen} == right
    )
    try:
        with transaction.atomic():
            answer.save()
    except IntegrityError:
        raise RoomError("already_answered", _("You have already answered this.")) from None
    answer.options.set(chosen)
    return answer


def _clean_options(kind: str, multiple: bool, options: Sequence[str], correct: Sequence[int]) -> None:
    errors: dict[str, list[str]] = {}
    if not 2 <= len(options) <= POLL_MAX_OPTIONS:
        errors["options"] = [_("Give between 2 and %(n)d options.") % {"n": POLL_MAX_OPTIONS}]
    elif len({o.strip() for o in options}) != len(options):
        errors["options"] = [_("Each option must be different.")]
    if kind == Poll.Kind.QUIZ:
        if not correct:
            errors["correct"] = [_("A quiz question needs its right answer.")]
        elif any(not 1 <= c <= len(options) for c in correct):
            errors["correct"] = [_("The right answers must be numbers of the options above.")]
        elif not multiple and len(correct) != 1:
            errors["correct"] = [_("Only one option can be right when one answer is allowed.")]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def poll_save(
    *,
    session: LiveSession,
    user: User,
    kind: str,
    prompt: str,
    multiple: bool,
    options: Sequence[str],
    correct: Sequence[int] = (),
    poll: Poll | None = None,
) -> Poll:
    """Prepare a poll or quiz question for a session (or change one that has not been opened).

    correct: the 1-based numbers of the right options (quizzes only)."""
    if not can_manage(user, session):
        raise ValidationError(_("Only the organizers of this session can prepare its polls."))
    if poll is not None:
        poll = Poll.objects.select_for_update().get(pk=poll.pk, session=session)
        if poll.state != Poll.State.READY:
            raise ValidationError(_("A poll that has been opened can no longer be changed."))
    options = [o.strip() for o in options if o.strip()]
    _clean_options(kind, multiple, options, correct)
    if poll is None:
        last = (
            Poll.objects.filter(session=session)
            .order_by("-position")
            .values_list("position", flat=True)
            .first()
        )
        poll = Poll(session=session, created_by=user, position=(last or 0) + 1)
    poll.kind, poll.prompt, poll.multiple = kind, prompt.strip(), multiple
    poll.full_clean(exclude=["session", "created_by"])
    poll.save()
    poll.options.all().delete()
    for i, text in enumerate(options, start=1):
        option = PollOption(
            poll=poll, text=text, position=i, is_correct=kind == Poll.Kind.QUIZ and i in correct
        )
        option.full_clean(exclude=["poll"])
        option.save()
    return poll


@transaction.atomic
def poll_delete(*, session: LiveSession, user: User, poll: Poll) -> None:
    if not can_manage(user, session):
        raise ValidationError(_("Only the organizers of this session can prepare its polls."))
    poll = Poll.objects.select_for_update().get(pk=poll.pk, session=session)
    if poll.state != Poll.State.READY:
        raise ValidationError(_("A poll that has been opened is kept with its answers."))
    poll.delete()


def room_polls_for(*, session: LiveSession, user: User) -> list[dict[str, Any]]:
    """The polls a connecting socket gets (the prepared ones for moderators)."""
    moderator = getattr(user, "is_authenticated", False) and can_manage(user, session)
    return room_polls(session=session, moderator=bool(moderator))


# --- The announcement ---------------------------------------------------------------------------------------


@transaction.atomic
def announcement_set(*, session: LiveSession, user: User, text: object) -> RoomAnnouncement | None:
    """Pin an announcement in the room, or clear it (text empty or null)."""
    _require_moderator(session, user)
    if text is None or (isinstance(text, str) and not text.strip()):
        RoomAnnouncement.objects.filter(session=session).delete()
        row = None
    else:
        clean = _one_line(text, max_length=ANNOUNCEMENT_MAX_LENGTH, empty_message=_("Write something first."))
        row, _created = RoomAnnouncement.objects.update_or_create(
            session=session, defaults={"text": clean, "set_by": user, "set_at": timezone.now()}
        )
    sid = session.pk
    _publish(sid, lambda: announcement_payload(session=sid))
    return row


# --- Likes ---------------------------------------------------------------------------------------------------


def likes_pending_key(session_id: int) -> str:
    return key("room", session_id, "likes")


def likes_rooms_key() -> str:
    """Set of the rooms with taps that a flush may not have taken yet (the sweeper walks it)."""
    return key("rooms", "likes")


# KEYS: pending, lock, rooms. ARGV: taps, lock ms, session id, key ttl.
# Adds the taps; returns 1 when this caller took the flush lock (it must flush after COALESCE_MS).
LIKE_TAP_LUA = """
redis.call('INCRBY', KEYS[1], ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[4])
redis.call('SADD', KEYS[3], ARGV[3])
if redis.call('SET', KEYS[2], '1', 'NX', 'PX', ARGV[2]) then return 1 end
return 0
"""

# KEYS: pending, lock. Takes the pending taps and releases the lock in one step: a tap after it takes the
# lock again and so schedules the next flush.
LIKE_TAKE_LUA = """
local n = tonumber(redis.call('GET', KEYS[1]) or '0')
if n > 0 then redis.call('DECRBY', KEYS[1], n) end
redis.call('DEL', KEYS[2])
return n
"""


def likes_flush(*, session_id: int) -> int | None:
    """Add the taps counted in Redis to the session's total and push the new total to the room.

    Returns the total, or None when there was nothing to add."""
    client = get_redis()
    taken = int(
        client.register_script(LIKE_TAKE_LUA)(
            keys=[likes_pending_key(session_id), coalesce_key(session_id, "likes")]
        )
    )
    if taken <= 0:
        return None
    try:
        total = _likes_add(session_id, taken)
    except Exception:
        client.incrby(likes_pending_key(session_id), taken)  # not lost: the next flush adds them
        raise
    if total is not None:
        rt.room_publish(session_id, {"type": "likes", "total": total})
    return total


@transaction.atomic
def _likes_add(session_id: int, taps: int) -> int | None:
    if not LiveSession.objects.filter(pk=session_id).exists():
        return None
    SessionLikes.objects.get_or_create(session_id=session_id)
    SessionLikes.objects.filter(session_id=session_id).update(
        total=F("total") + taps, updated_at=timezone.now()
    )
    return int(SessionLikes.objects.filter(session_id=session_id).values_list("total", flat=True).get())


def likes_total(*, session_id: int) -> int:
    """Stored likes plus the taps waiting for the next flush."""
    stored = SessionLikes.objects.filter(session_id=session_id).values_list("total", flat=True).first() or 0
    pending = int(get_redis().get(likes_pending_key(session_id)) or 0)
    return int(stored) + max(0, pending)


def likes_sweep() -> int:
    """Flush the taps whose flush was lost (the process that held the lock died): the rooms with taps
    pending and no lock. Returns how many rooms it flushed. Run by beat."""
    client = get_redis()
    flushed = 0
    for raw in client.smembers(likes_rooms_key()):
        sid = int(raw)
        pending = int(client.get(likes_pending_key(sid)) or 0)
        if pending <= 0:
            client.srem(likes_rooms_key(), sid)
            continue
        if client.exists(coalesce_key(sid, "likes")):
            continue
        if likes_flush(session_id=sid) is not None:
            flushed += 1
    return flushed
