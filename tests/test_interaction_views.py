"""The class's page that prepares polls and quiz questions, and the room page's interaction part."""

from __future__ import annotations

import pytest

from livestreams.models import LiveSession, Poll, PollOption
from livestreams.services import interaction as svc
from tests import factories as f
from tests.interaction_helpers import live_class, prepare
from tests.support import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def upcoming(world):
    return live_class(world, status=LiveSession.Status.SCHEDULED)


def test_the_organizer_prepares_a_quiz_question_and_a_poll(upcoming, organizer):
    client = client_for(organizer)
    url = f"/classes/{upcoming.pk}/polls/"
    page = client.get(url)
    assert page.status_code == 200 and 'for="id_correct"' in page.content.decode()
    response = client.post(
        url,
        {
            "kind": "quiz",
            "prompt": "党的二十大召开于哪一年？",
            "options": "2021\n2022\n\n2023\n",
            "correct": "2",
        },
    )
    assert response.status_code == 302
    quiz = Poll.objects.get(session=upcoming)
    assert (quiz.kind, quiz.multiple, quiz.state) == ("quiz", False, "ready")
    assert [(o.text, o.is_correct) for o in quiz.options.all()] == [
        ("2021", False),
        ("2022", True),
        ("2023", False),
    ]
    client.post(url, {"kind": "poll", "prompt": "喜欢哪种形式？", "options": "讲座\n讨论", "multiple": "on"})
    assert Poll.objects.filter(session=upcoming).count() == 2
    listed = client.get(url).content.decode()
    assert "党的二十大召开于哪一年？" in listed and "喜欢哪种形式？" in listed


@pytest.mark.parametrize(
    "data, field",
    [
        ({"kind": "quiz", "prompt": "题", "options": "甲\n乙", "correct": ""}, "correct"),
        ({"kind": "quiz", "prompt": "题", "options": "甲\n乙", "correct": "3"}, "correct"),
        ({"kind": "quiz", "prompt": "题", "options": "甲\n乙", "correct": "1,2"}, "correct"),
        ({"kind": "quiz", "prompt": "题", "options": "甲\n乙", "correct": "一"}, "correct"),
        ({"kind": "poll", "prompt": "题", "options": "甲"}, "options"),
        ({"kind": "poll", "prompt": "题", "options": "甲\n甲"}, "options"),
        ({"kind": "poll", "prompt": "题", "options": "\n".join(str(i) for i in range(9))}, "options"),
        ({"kind": "poll", "prompt": "题", "options": "甲\n" + "乙" * 101}, "options"),
        ({"kind": "poll", "prompt": "", "options": "甲\n乙"}, "prompt"),
        ({"kind": "vote", "prompt": "题", "options": "甲\n乙"}, "kind"),
    ],
)
def test_bad_input_is_shown_on_its_field_and_saves_nothing(upcoming, organizer, data, field):
    response = client_for(organizer).post(f"/classes/{upcoming.pk}/polls/", data)
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert not Poll.objects.exists()


def test_a_prepared_poll_is_edited_or_deleted_but_an_opened_one_is_kept(upcoming, organizer):
    client = client_for(organizer)
    poll = prepare(upcoming, organizer, quiz=True)
    edit = f"/classes/{upcoming.pk}/polls/{poll.pk}/edit/"
    assert "随堂测验" in client.get(edit).content.decode()
    client.post(edit, {"kind": "quiz", "prompt": "改过的题", "options": "对\n错", "correct": "1"})
    poll.refresh_from_db()
    assert poll.prompt == "改过的题" and [o.text for o in poll.options.all()] == ["对", "错"]
    svc.poll_open(session=upcoming, user=organizer, poll_id=poll.pk)
    assert client.get(edit).status_code == 302
    client.post(f"/classes/{upcoming.pk}/polls/{poll.pk}/delete/")
    assert Poll.objects.filter(pk=poll.pk).exists()
    other = prepare(upcoming, organizer)
    client.post(f"/classes/{upcoming.pk}/polls/{other.pk}/delete/")
    assert not Poll.objects.filter(pk=other.pk).exists()
    assert not PollOption.objects.filter(poll_id=other.pk).exists()


def test_the_polls_page_counts_its_queries(upcoming, organizer, django_assert_max_num_queries):
    for _ in range(6):
        prepare(upcoming, organizer, quiz=True)
    client = client_for(organizer)
    client.get(f"/classes/{upcoming.pk}/polls/")
    with django_assert_max_num_queries(14):
        response = client.get(f"/classes/{upcoming.pk}/polls/")
    assert response.content.decode().count('class="poll-prep"') == 6


def test_a_member_cannot_prepare_and_an_outsider_sees_nothing(upcoming, member, outsider):
    data = {"kind": "poll", "prompt": "题", "options": "甲\n乙"}
    assert client_for(member).post(f"/classes/{upcoming.pk}/polls/", data).status_code == 403
    assert client_for(outsider).post(f"/classes/{upcoming.pk}/polls/", data).status_code == 404
    assert not Poll.objects.exists()


def test_the_room_page_has_the_interaction_part_for_a_class_and_a_sales_session(world, organizer, member):
    live = live_class(world)
    host_page = client_for(organizer).get(f"/live/{live.pk}/").content.decode()
    assert 'id="ia-host"' in host_page and f"/classes/{live.pk}/polls/" in host_page
    assert "js/room-interaction.js" in host_page
    member_page = client_for(member).get(f"/live/{live.pk}/").content.decode()
    assert 'id="ia-ask-form"' in member_page and 'id="ia-host"' not in member_page
    sales = f.SalesSessionFactory(
        enterprise=world.enterprise_a, session__status=LiveSession.Status.LIVE
    ).session
    from django.test import Client

    anonymous = Client().get(f"/live/{sales.pk}/").content.decode()
    assert 'id="ia-like"' in anonymous and 'id="ia-ask-form"' not in anonymous
    assert 'id="ia-questions"' in anonymous
