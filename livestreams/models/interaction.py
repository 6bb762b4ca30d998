"""Interaction inside the live room: the audience's questions, polls and quizzes, the pinned announcement and
likes (docs/live-room-protocol.md, "Interaction")."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .sessions import LiveSession

QUESTION_MAX_LENGTH = 200
POLL_PROMPT_MAX_LENGTH = 200
POLL_OPTION_MAX_LENGTH = 100
POLL_MAX_OPTIONS = 8
ANNOUNCEMENT_MAX_LENGTH = 300


class RoomQuestion(models.Model):
    """A question someone in the audience asked (apart from the comments); others upvote it."""

    session = models.ForeignKey(LiveSession, on_delete=models.CASCADE, related_name="room_questions")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    text = models.CharField(_("question"), max_length=QUESTION_MAX_LENGTH)
    created_at = models.DateTimeField(_("asked"), default=timezone.now)
    # Kept with the votes (QuestionVote rows) in the same transaction: the list sorts on it.
    votes = models.PositiveIntegerField(_("votes"), default=0)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    pinned = models.BooleanField(_("pinned"), default=False)

    class Meta:
        verbose_name = _("audience question")
        verbose_name_plural = _("audience questions")
        ordering = ["-pinned", "-votes", "id"]
        indexes = [models.Index(fields=["session", "id"])]

    def __str__(self):
        return self.text[:40]


class QuestionVote(models.Model):
    question = models.ForeignKey(RoomQuestion, on_delete=models.CASCADE, related_name="vote_rows")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("question vote")
        verbose_name_plural = _("question votes")
        constraints = [models.UniqueConstraint(fields=["question", "user"], name="question_vote_once")]

    def __str__(self):
        return f"{self.user_id} → {self.question_id}"


class Poll(models.Model):
    """A poll or a quiz question prepared for a session, opened and closed live by its host."""

    class Kind(models.TextChoices):
        POLL = "poll", _("Poll")
        QUIZ = "quiz", _("Quiz question")

    class State(models.TextChoices):
        READY = "ready", _("Prepared")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    session = models.ForeignKey(LiveSession, on_delete=models.CASCADE, related_name="polls")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.POLL)
    prompt = models.CharField(_("question"), max_length=POLL_PROMPT_MAX_LENGTH)
    multiple = models.BooleanField(_("several answers allowed"), default=False)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.READY)
    position = models.PositiveIntegerField(_("order"), default=0)
    opened_at = models.DateTimeField(_("opened"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("poll or quiz question")
        verbose_name_plural = _("polls and quiz questions")
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["session", "position"])]

    def __str__(self):
        return self.prompt[:40]


class PollOption(models.Model):
    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="options")
    text = models.CharField(_("option"), max_length=POLL_OPTION_MAX_LENGTH)
    position = models.PositiveIntegerField(default=0)
    is_correct = models.BooleanField(_("right answer"), default=False)

    class Meta:
        verbose_name = _("option")
        verbose_name_plural = _("options")
        ordering = ["position", "id"]

    def __str__(self):
        return self.text[:40]


class PollAnswer(models.Model):
    """One member's answer to one poll (once); for a quiz whether it was right."""

    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="answers")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    options = models.ManyToManyField(PollOption, related_name="answers")
    correct = models.BooleanField(_("right"), default=False)
    created_at = models.DateTimeField(_("answered"), default=timezone.now)

    class Meta:
        verbose_name = _("poll answer")
        verbose_name_plural = _("poll answers")
        constraints = [models.UniqueConstraint(fields=["poll", "user"], name="poll_answer_once")]

    def __str__(self):
        return f"{self.user_id} → {self.poll_id}"


class RoomAnnouncement(models.Model):
    """The announcement pinned in a room (公告); the row is removed when the host clears it."""

    session = models.OneToOneField(
        LiveSession, on_delete=models.CASCADE, primary_key=True, related_name="announcement"
    )
    text = models.CharField(_("announcement"), max_length=ANNOUNCEMENT_MAX_LENGTH)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    set_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("announcement")
        verbose_name_plural = _("announcements")

    def __str__(self):
        return self.text[:40]


class SessionLikes(models.Model):
    """The likes (点赞) of a session: taps are counted in Redis and added here by the coalesced flush."""

    session = models.OneToOneField(
        LiveSession, on_delete=models.CASCADE, primary_key=True, related_name="likes"
    )
    total = models.PositiveBigIntegerField(_("likes"), default=0)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("likes")
        verbose_name_plural = _("likes")

    def __str__(self):
        return f"{self.session_id}: {self.total}"


__all__ = [
    "RoomQuestion",
    "QuestionVote",
    "Poll",
    "PollOption",
    "PollAnswer",
    "RoomAnnouncement",
    "SessionLikes",
]
