"""Room-interaction demo data for the class that is live whenever the demo starts: a quiz question and a poll
prepared for the host to open, a pinned announcement and two questions of members with votes.

Found by their text first, so a second run creates nothing."""

from __future__ import annotations

from hub.demo import DemoContext
from hub.models import User
from livestreams.demo.room import LIVE_CLASS
from livestreams.models import LiveSession, Poll, PollOption, QuestionVote, RoomAnnouncement, RoomQuestion

POLLS = [
    (Poll.Kind.QUIZ, "随堂测验：党的二十大召开于哪一年？", False, ["2021 年", "2022 年", "2023 年"], [2]),
    (Poll.Kind.QUIZ, "随堂测验：“三会一课”中的“一课”指的是？", False, ["党课", "团课", "网课"], [1]),
    (
        Poll.Kind.POLL,
        "下次党课你希望采用哪种形式？（可多选）",
        True,
        ["专题讲座", "案例研讨", "现场参观", "线上答题"],
        [],
    ),
]
QUESTIONS = [
    ("创业团队里的党员怎样发挥先锋模范作用？", 3),
    ("课件会发到支部群里吗？", 1),
]
ANNOUNCEMENT = "欢迎参加今天的党课！课后请完成随堂测验，计入学习档案。"


def seed(ctx: DemoContext) -> None:
    live = LiveSession.objects.filter(title=LIVE_CLASS).first()
    if live is None:
        return
    organizer = User.objects.get(email="organizer@example.com")
    for position, (kind, prompt, multiple, options, correct) in enumerate(POLLS, start=1):
        poll, created = Poll.objects.get_or_create(
            session=live,
            prompt=prompt,
            defaults={"kind": kind, "multiple": multiple, "position": position, "created_by": organizer},
        )
        ctx.count("polls and quiz questions", created)
        if created:
            for i, text in enumerate(options, start=1):
                PollOption.objects.create(poll=poll, text=text, position=i, is_correct=i in correct)
    members = list(
        User.objects.filter(email__regex=r"^member\d*@example\.com$", party_member__isnull=False).order_by(
            "email"
        )
    )
    for (text, votes), author in zip(QUESTIONS, members, strict=False):
        question, created = RoomQuestion.objects.get_or_create(
            session=live, text=text, defaults={"author": author}
        )
        ctx.count("audience questions", created)
        if created:
            for voter in members[1 : votes + 1]:
                QuestionVote.objects.get_or_create(question=question, user=voter)
            RoomQuestion.objects.filter(pk=question.pk).update(
                votes=QuestionVote.objects.filter(question=question).count()
            )
    _, created = RoomAnnouncement.objects.get_or_create(
        session=live, defaults={"text": ANNOUNCEMENT, "set_by": organizer}
    )
    ctx.count("announcements", created)
