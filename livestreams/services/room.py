"""Writes of the live room: comments (word filter, rate limit, slow mode), moderation, presence records.

The consumers only parse and forward to these; tests call them directly too. A refusal raises RoomError
with a code that clients can act on and a message in the user's language.
"""

from __future__ import annotations

import math
import re
import time
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import BooleanField, Case, Count, Exists, Max, OuterRef, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from hub.models import User
from hub.redis import get_redis, key
from livestreams import realtime as rt
from livestreams.models import BannedWord, Comment, LiveSession, ModerationAction, Mute, PresenceInterval
from livestreams.permissions import audience_q, can_manage, managed_q
from livestreams.selectors.room import comment_payload, public_name
from partyorgs.permissions import get_scope

S = LiveSession.Status

COMMENT_MAX_LENGTH = 200
# Everyone: at most COMMENT_RATE comments per COMMENT_RATE_WINDOW seconds in one room.
COMMENT_RATE = getattr(settings, "HUB_ROOM_COMMENT_RATE", 5)
COMMENT_RATE_WINDOW = getattr(settings, "HUB_ROOM_COMMENT_RATE_WINDOW", 10)
SLOW_MODE_MAX_SECONDS = 300
# A person who comes back within this time (a reload, a dropped connection) continues the same record.
PRESENCE_MERGE_SECONDS = 60
OPEN_FOR_COMMENTS = (S.SCHEDULED, S.LIVE)


@dataclass
class RoomError(Exception):
    code: str
    message: str
    retry_after: int | None = None

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


# --- The sensitive-word filter ---------------------------------------------------------------------------


# Letters that render as nothing (Hangul fillers); the other invisible characters are in the categories
# the filter skips (Cf format characters such as zero-width joiners and bidi controls, Mn/Me marks such as
# variation selectors, Z spaces).
_INVISIBLE_LETTERS = frozenset("\u115f\u1160\u3164\uffa0")
_ATTACHED = frozenset({"Mn", "Mc", "Me", "Cf"})


def _normalize(text: str) -> tuple[str, list[int]]:
    """Text as the filter sees it, with the position in `text` of each character.

    Only letters and digits count: each character is decomposed with NFKD (full-width forms, circled and
    parenthesized forms, compatibility ideographs and Kangxi radicals fold to the plain character; accented
    letters split into letter + mark) and case-folded, then everything that is not a letter or a number is
    skipped: marks (combining accents, enclosing circles, variation selectors VS1-VS256), format characters
    (zero-width joiners, bidi controls, tags), spaces, punctuation, symbols and emoji. So "赌 博", "赌-博",
    "赌😀博", "赌\u0301博", "赌\ufe00博" and "刷\u20dd单" all match 赌博 / 刷单. Chinese has no spaces to
    split words on: the filter matches substrings."""
    out: list[str] = []
    index: list[int] = []
    for i, ch in enumerate(text):
        folded = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", ch).casefold())
        for c in folded:
            if unicodedata.category(c)[0] not in "LN" or c in _INVISIBLE_LETTERS:
                continue
            out.append(c)
            index.append(i)
    return "".join(out), index


class _WordFilter:
    def __init__(self) -> None:
        self.stamp: tuple[int, datetime | None] | None = None
        self.pattern: re.Pattern[str] | None = None
        self.actions: dict[str, str] = {}

    def _refresh(self) -> None:
        # One cheap aggregate per comment tells whether staff changed the list since it was compiled.
        counts = BannedWord.objects.filter(is_active=True).aggregate(n=Count("id"), last=Max("updated_at"))
        stamp = (counts["n"], counts["last"])
        if stamp == self.stamp:
            return
        actions: dict[str, str] = {}
        for word, action in BannedWord.objects.filter(is_active=True).values_list("word", "action"):
            norm, _index = _normalize(word)
            if norm and actions.get(norm) != BannedWord.Action.BLOCK:
                actions[norm] = action
        words = sorted(actions, key=len, reverse=True)
        self.pattern = re.compile("|".join(map(re.escape, words))) if words else None
        self.actions = actions
        self.stamp = stamp

    def apply(self, text: str) -> tuple[str, list[str]]:
        """(text with masked words starred, the blocking words found)."""
        self._refresh()
        if self.pattern is None:
            return text, []
        norm, index = _normalize(text)
        chars = list(text)
        blocked = []
        for match in self.pattern.finditer(norm):
            if self.actions[match.group()] == BannedWord.Action.BLOCK:
                blocked.append(match.group())
                continue
            end = index[match.end() - 1] + 1
            # The marks and joiners that follow the word's last character belong to it.
            while end < len(chars) and unicodedata.category(chars[end]) in _ATTACHED:
                end += 1
            for i in range(index[match.start()], end):
                if not chars[i].isspace():
                    chars[i] = "*"
        return "".join(chars), blocked


_word_filter = _WordFilter()


def text_filter(text: str) -> tuple[str, list[str]]:
    """Apply the staff's sensitive-word list: (masked text, blocking words found)."""
    return _word_filter.apply(text)


# --- Rate limit and slow mode ------------------------------------------------------------------------------

# KEYS: the person's recent comments (sorted set), their slow-mode key. ARGV: now ms, window ms, limit,
# slow mode ms, a unique member. Returns {0, 0} when allowed (and records it), {1, ms} when over the rate,
# {2, ms} when slow mode asks to wait.
_THROTTLE_LUA = """
local slow = tonumber(ARGV[4])
if slow > 0 then
  local ttl = redis.call('PTTL', KEYS[2])
  if ttl > 0 then return {2, ttl} end
end
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return {1, tonumber(oldest[2]) + window - now}
end
redis.call('ZADD', KEYS[1], now, ARGV[5])
redis.call('PEXPIRE', KEYS[1], window)
if slow > 0 then redis.call('SET', KEYS[2], '1', 'PX', slow) end
return {0, 0}
"""


def _throttle(session: LiveSession, user: User, *, slow_mode: int) -> None:
    client = get_redis()
    now_ms = int(time.time() * 1000)
    verdict, wait_ms = client.register_script(_THROTTLE_LUA)(
        keys=[key("room", session.pk, "rate", user.pk), key("room", session.pk, "slow", user.pk)],
        args=[
            now_ms,
            COMMENT_RATE_WINDOW * 1000,
            COMMENT_RATE,
            slow_mode * 1000,
            f"{now_ms}-{time.monotonic_ns()}",
        ],
    )
    if verdict == 0:
        return
    seconds = max(1, math.ceil(int(wait_ms) / 1000))
    wait = ngettext("Please try again in %(n)d second.", "Please try again in %(n)d seconds.", seconds) % {
        "n": seconds
    }
    if verdict == 2:
        raise RoomError(
            "slow_mode",
            _("Slow mode is on: one comment every %(s)d seconds.") % {"s": slow_mode} + " " + wait,
            seconds,
        )
    raise RoomError("rate_limited", _("You are commenting too fast.") + " " + wait, seconds)


# --- Comments ------------------------------------------------------------------------------------------


# Control characters (Unicode Cc: C0 including newline and tab, DEL, C1) and unpaired surrogates (Cs): a
# comment is one line of text.
_FORBIDDEN_CHARS = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def _publish(session_id: int, event: dict[str, Any]) -> None:
    """Push an event to the room once the transaction is committed (a rolled back write pushes nothing)."""
    transaction.on_commit(lambda: rt.room_publish(session_id, event), robust=True)


def _comment_rights(session: LiveSession, user: User) -> Mapping[str, Any]:
    """The fresh status and slow mode, and whether the user manages the session, is in its audience and is
    muted: one query (the same rules as livestreams.permissions.can_manage / in_audience)."""
    scope = get_scope(user)
    managed = managed_q(scope, user.pk)
    audience = Q(visibility=LiveSession.Visibility.PUBLIC) | audience_q(scope) | managed

    def flag(q: Q) -> Case:
        return Case(When(q, then=Value(True)), default=Value(False), output_field=BooleanField())

    return (
        LiveSession.objects.filter(pk=session.pk)
        .annotate(
            manager=flag(managed),
            in_audience=flag(audience),
            muted=Exists(Mute.objects.filter(session_id=OuterRef("pk"), user_id=user.pk)),
        )
        .values("status", "slow_mode_seconds", "manager", "in_audience", "muted")
        .get()
    )


@transaction.atomic
def comment_post(*, session: LiveSession, user: User, text: str, now: datetime | None = None) -> Comment:
    """Store a comment, then push it to the room. Refusals raise RoomError and change nothing."""
    if not getattr(user, "is_authenticated", False):
        raise RoomError("login_required", _("Sign in to comment."))
    rights = _comment_rights(session, user)
    session.status, session.slow_mode_seconds = rights["status"], rights["slow_mode_seconds"]
    if session.status not in OPEN_FOR_COMMENTS:
        raise RoomError("closed", _("Comments are closed for this session."))
    if not rights["in_audience"]:
        raise RoomError("forbidden", _("Only the audience of this session can comment."))
    if not isinstance(text, str) or not text.strip():
        raise RoomError("empty", _("Write something first."))
    text = text.strip()
    if _FORBIDDEN_CHARS.search(text):
        # Before the rate limit: a refused comment uses no slot. NUL cannot be stored and an unpaired
        # surrogate cannot be sent as UTF-8; the other controls would break the one-line display.
        raise RoomError("invalid", _("A comment cannot contain control characters."))
    if len(text) > COMMENT_MAX_LENGTH:
        raise RoomError(
            "too_long",
            _("A comment can be at most %(max)d characters (this one has %(n)d).")
            % {"max": COMMENT_MAX_LENGTH, "n": len(text)},
        )
    moderator = rights["manager"]
    if not moderator and rights["muted"]:
        raise RoomError("muted", _("A moderator has muted you in this session."))
    text, blocked = text_filter(text)
    if blocked:
        raise RoomError("blocked_word", _("Your comment contains words that are not allowed here."))
    if not moderator:  # hosts post product links and answers in bursts; the limits are for the audience
        _throttle(session, user, slow_mode=session.slow_mode_seconds)
    comment = Comment(
        session=session, author=user, text=text, created_at=now or timezone.now(), by_moderator=moderator
    )
    comment.full_clean(exclude=["session", "author"])
    comment.save()
    _publish(session.pk, comment_payload(comment, author=user))
    return comment


def _require_moderator(session: LiveSession, user: User) -> None:
    if not can_manage(user, session):
        raise RoomError("forbidden", _("Only the moderators of this session can do that."))


def _log(session: LiveSession, user: User, action: str, **fields: Any) -> None:
    entry = ModerationAction(session=session, actor=user, action=action, **fields)
    entry.full_clean(exclude=["session", "actor", "target_user", "comment"])
    entry.save()


@transaction.atomic
def comment_remove(*, session: LiveSession, comment_id: int, user: User) -> bool:
    """Remove a comment from the room. True when this call removed it; False when it was already removed."""
    _require_moderator(session, user)
    comment = Comment.objects.filter(session=session, pk=comment_id).first()
    if comment is None:
        raise RoomError("not_found", _("That comment does not exist in this session."))
    now = timezone.now()
    changed = Comment.objects.filter(pk=comment.pk, removed_at__isnull=True).update(
        removed_at=now, removed_by=user
    )
    if not changed:
        return False
    _log(session, user, ModerationAction.Action.REMOVE_COMMENT, comment=comment, target_user=comment.author)
    _publish(session.pk, {"type": "comment_removed", "id": comment.pk})
    return True


def _participant(session: LiveSession, user_id: object) -> tuple[User, bool] | None:
    """(user, commented) when the user joined or commented in this session, else None: a moderator may
    name only people of the room, never look anyone else up by id."""
    from hub.models import User

    if type(user_id) is not int:
        return None
    target = (
        User.objects.filter(pk=user_id)
        .annotate(
            commented=Exists(Comment.objects.filter(session=session, author_id=OuterRef("pk"))),
            joined=Exists(PresenceInterval.objects.filter(session=session, user_id=OuterRef("pk"))),
        )
        .filter(Q(commented=True) | Q(joined=True))
        .first()
    )
    return (target, target.commented) if target is not None else None


def _shown_name(target: User, commented: bool) -> str | None:
    """The name the room may see: only of someone whose comments already show it to everyone."""
    return public_name(target) if commented else None


@transaction.atomic
def mute_create(*, session: LiveSession, target_id: int, user: User) -> bool:
    """Mute a person for the rest of the session. False when they were muted already.

    Only people who joined or commented in the session, and not its moderators; every other id gets the
    same refusal (it must not tell whether the id exists, is staff or was ever in the room)."""
    _require_moderator(session, user)
    found = _participant(session, target_id)
    if found is None or can_manage(found[0], session):
        raise RoomError(
            "not_found",
            _("Only people who joined or commented in this session can be muted, and not its moderators."),
        )
    target, commented = found
    _mute, created = Mute.objects.get_or_create(session=session, user=target, defaults={"muted_by": user})
    if not created:
        return False
    _log(session, user, ModerationAction.Action.MUTE, target_user=target)
    _publish(session.pk, {"type": "muted", "user_id": target.pk, "name": _shown_name(target, commented)})
    return True


@transaction.atomic
def mute_delete(*, session: LiveSession, target_id: int, user: User) -> bool:
    """Let a muted person comment again. False when they were not muted (whoever the id is)."""
    _require_moderator(session, user)
    if type(target_id) is not int:
        return False
    mute = Mute.objects.filter(session=session, user_id=target_id).select_related("user").first()
    if mute is None:
        return False
    target = mute.user
    mute.delete()
    commented = Comment.objects.filter(session=session, author=target).exists()
    _log(session, user, ModerationAction.Action.UNMUTE, target_user=target)
    _publish(session.pk, {"type": "unmuted", "user_id": target.pk, "name": _shown_name(target, commented)})
    return True


@transaction.atomic
def session_slow_mode_set(*, session: LiveSession, seconds: int, user: User) -> bool:
    """Set the least time between two comments of one person (0 = off). False when it was already so."""
    _require_moderator(session, user)
    if isinstance(seconds, bool) or not isinstance(seconds, int) or not 0 <= seconds <= SLOW_MODE_MAX_SECONDS:
        raise RoomError(
            "invalid", _("Slow mode must be between 0 and %(max)d seconds.") % {"max": SLOW_MODE_MAX_SECONDS}
        )
    changed = (
        LiveSession.objects.filter(pk=session.pk)
        .exclude(slow_mode_seconds=seconds)
        .update(slow_mode_seconds=seconds)
    )
    session.slow_mode_seconds = seconds
    if not changed:
        return False
    _log(session, user, ModerationAction.Action.SLOW_MODE, detail=str(seconds))
    _publish(session.pk, {"type": "slow_mode", "seconds": seconds})
    return True


def session_peak_record(*, session_id: int, count: int) -> bool:
    """Raise the session's peak viewers to `count` if it is higher (a conditional UPDATE: races keep the max)."""
    return bool(LiveSession.objects.filter(pk=session_id, peak_viewers__lt=count).update(peak_viewers=count))


# --- Presence records -------------------------------------------------------------------------------------


@transaction.atomic
def presence_open(*, session_id: int, user_id: int, now: datetime | None = None) -> PresenceInterval:
    """The person is in the room: keep their open record, reopen one they left moments ago, or start one."""
    now = now or timezone.now()
    rows = PresenceInterval.objects.select_for_update().filter(session_id=session_id, user_id=user_id)
    current = rows.filter(left_at__isnull=True).first()
    if current is not None:
        return current
    recent = (
        rows.filter(left_at__gte=now - timedelta(seconds=PRESENCE_MERGE_SECONDS)).order_by("-left_at").first()
    )
    if recent is not None:
        recent.left_at = None
        recent.save(update_fields=["left_at"])
        return recent
    interval = PresenceInterval(session_id=session_id, user_id=user_id, joined_at=now)
    interval.full_clean(exclude=["session", "user"], validate_constraints=False)
    try:
        with transaction.atomic():
            interval.save()
    except IntegrityError:
        # Another process opened it a moment ago (one open record per person and room is a constraint).
        return PresenceInterval.objects.get(session_id=session_id, user_id=user_id, left_at__isnull=True)
    return interval


@transaction.atomic
def presence_close(*, session_id: int, user_id: int, at: datetime | None = None) -> PresenceInterval | None:
    """The person's last connection left (or expired): close their open record, unless they are back.

    The row lock and the re-check of Redis make a leave that races a join on another process harmless."""
    at = at or timezone.now()
    current = (
        PresenceInterval.objects.select_for_update()
        .filter(session_id=session_id, user_id=user_id, left_at__isnull=True)
        .first()
    )
    if current is None or rt.person_present(session_id, rt.user_person(user_id)):
        return None
    current.left_at = max(at, current.joined_at)
    current.save(update_fields=["left_at"])
    return current


@transaction.atomic
def presence_open_if_present(*, session_id: int, user_id: int) -> PresenceInterval | None:
    """Open the person's record only if Redis still has them in the room, checked under the row lock.

    The sweep reads who is present and, a moment later, who has an open record; a person who left in between
    would otherwise get their just-closed record reopened with nobody there to close it. Their leave removes
    them from Redis before it takes this lock, so the re-check sees it."""
    list(PresenceInterval.objects.select_for_update().filter(session_id=session_id, user_id=user_id))
    if not rt.person_present(session_id, rt.user_person(user_id)):
        return None
    return presence_open(session_id=session_id, user_id=user_id)


_SREM_IF_EMPTY_LUA = """
if redis.call('ZCARD', KEYS[1]) == 0 then return redis.call('SREM', KEYS[2], ARGV[1]) end
return 0
"""


def _sweep_close_expired(client: Any, now_ts: float) -> int:
    """Close the open records whose person Redis no longer has (or has expired), at the time last seen."""
    closed = 0
    open_rows = list(
        PresenceInterval.objects.filter(left_at__isnull=True).values_list("session_id", "user_id")
    )
    by_session: dict[int, list[int]] = {}
    for sid, uid in open_rows:
        by_session.setdefault(sid, []).append(uid)
    for sid, uids in by_session.items():
        scores = client.zmscore(rt.presence_key(sid), [rt.user_person(u) for u in uids])
        for uid, score in zip(uids, scores, strict=True):
            if score is not None and score > now_ts:
                continue
            last_seen = (score - rt.PRESENCE_TTL_SECONDS) if score is not None else now_ts
            at = datetime.fromtimestamp(min(last_seen, now_ts), tz=UTC)
            if presence_close(session_id=sid, user_id=uid, at=at) is not None:
                closed += 1
    return closed


def _sweep_open_missing(client: Any, sid: int, now_ts: float) -> int:
    """Open records for the people Redis has in the room but the database does not (a failed write)."""
    opened = 0
    present = client.zrangebyscore(rt.presence_key(sid), now_ts, "+inf")
    with_rows = set(
        PresenceInterval.objects.filter(session_id=sid, left_at__isnull=True).values_list(
            "user_id", flat=True
        )
    )
    for person in cast(list[str], present):  # get_redis() decodes responses: str members
        user_id = rt.person_user_id(person)
        if user_id is not None and user_id not in with_rows:
            if presence_open_if_present(session_id=sid, user_id=user_id) is not None:
                opened += 1
    return opened


def presence_sweep() -> dict[str, Any]:
    """Reconcile the records with Redis; run by Celery beat. Closes the records of people whose presence
    expired (a crashed server process, a lost network) at the time they were last seen, opens records
    that a failed write missed, removes expired people, and pushes counts of rooms no process ticks."""
    client = get_redis()
    now_ts = time.time()
    closed = _sweep_close_expired(client, now_ts)
    opened = 0
    active = sorted(int(s) for s in client.smembers(rt.active_rooms_key()))
    existing = set(LiveSession.objects.filter(pk__in=active).values_list("pk", flat=True))
    srem_if_empty = client.register_script(_SREM_IF_EMPTY_LUA)
    for sid in active:
        client.zremrangebyscore(rt.presence_key(sid), "-inf", now_ts)
        if sid in existing:
            opened += _sweep_open_missing(client, sid, now_ts)
            pushed = rt.count_tick(sid)
            if pushed is not None:
                rt.live_now_publish({"type": "viewers", "session_id": sid, "count": pushed[0]})
                if pushed[1]:
                    session_peak_record(session_id=sid, count=pushed[0])
        srem_if_empty(keys=[rt.presence_key(sid), rt.active_rooms_key()], args=[sid])
    return {"closed": closed, "opened": opened, "rooms": len(active)}
