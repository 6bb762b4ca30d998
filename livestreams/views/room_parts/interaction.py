"""The room page's part for interaction: the announcement and likes under the player, polls and questions
beside the comments, the host's controls (static/js/room-interaction.js speaks the socket messages)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from livestreams.models import LiveSession
from livestreams.models.interaction import ANNOUNCEMENT_MAX_LENGTH, QUESTION_MAX_LENGTH
from livestreams.permissions import in_audience
from livestreams.services.interaction import LIKE_BATCH_MAX
from livestreams.views.room_registry import RoomPagePart, room_page_part

WORDS = {
    "likes": _("likes"),
    "like": _("Like"),
    "vote": _("Upvote"),
    "voted": _("Voted"),
    "votes": _("votes"),
    "answered": _("Answered"),
    "markAnswered": _("Mark answered"),
    "markUnanswered": _("Not answered"),
    "pin": _("Pin"),
    "unpin": _("Unpin"),
    "pinned": _("Pinned"),
    "noQuestions": _("No questions yet."),
    "pollOpen": _("Open it"),
    "pollClose": _("Close"),
    "pollReopen": _("Open again"),
    "pollStateReady": _("Prepared"),
    "pollStateOpen": _("Open"),
    "pollStateClosed": _("Closed"),
    "kindPoll": _("Poll"),
    "kindQuiz": _("Quiz"),
    "submitAnswer": _("Answer"),
    "yourAnswer": _("Your answer is in."),
    "answerRight": _("Right!"),
    "answerWrong": _("Not quite."),
    "rightAnswer": _("Right answer"),
    "answersCount": _("answers"),
    "chooseSeveral": _("Choose one or more."),
    "chooseOne": _("Choose one."),
    "noPrepared": _("No polls prepared for this session."),
}


@room_page_part
def interaction_part(request, session: LiveSession, can_manage: bool) -> RoomPagePart:
    signed_in = request.user.is_authenticated
    prepare_url = (
        reverse("classes:polls", args=[session.pk])
        if can_manage and session.kind == LiveSession.Kind.PARTY_CLASS
        else None
    )
    return RoomPagePart(
        templates={
            "stage": ["livestreams/room/interaction/_stage.html"],
            "side": ["livestreams/room/interaction/_side.html"],
            "host": ["livestreams/room/interaction/_host.html"],
        },
        context={
            "interaction_can_ask": signed_in and in_audience(request.user, session),
            "interaction_prepare_url": prepare_url,
            "interaction_question_max": QUESTION_MAX_LENGTH,
            "interaction_announcement_max": ANNOUNCEMENT_MAX_LENGTH,
        },
        config={"interaction": {"likeBatchMax": LIKE_BATCH_MAX, "questionMax": QUESTION_MAX_LENGTH}},
        i18n={f"ia_{k}": v for k, v in WORDS.items()},
        scripts=["js/room-interaction.js"],
    )
