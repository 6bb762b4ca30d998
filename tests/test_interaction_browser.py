"""A class in the browser with its room's interaction: the organizer prepares a quiz question and a poll on
the class's page, opens them live from the room (desktop), two members answer on phones (390×844) and see the
bars move; questions are asked and upvoted, likes counted, an announcement pinned."""

from __future__ import annotations

import pytest

from livestreams.models import LiveSession, Poll, PollAnswer, SessionLikes
from tests import factories as f
from tests.conftest import browser_login
from tests.interaction_helpers import members
from tests.room_helpers import clean_room_redis
from tests.support import wait_until

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


@pytest.fixture(autouse=True)
def _clean_redis():
    clean_room_redis()


def _errors(errors):
    return [e for e in errors if "Failed to load resource" not in e]


def prepare_in_browser(page, url, *, kind, prompt, options, correct="", multiple=False):
    page.goto(url)
    page.check(f"input[name=kind][value={kind}]")
    page.fill("#id_prompt", prompt)
    page.fill("#id_options", "\n".join(options))
    page.fill("#id_correct", correct)
    if multiple:
        page.check("#id_multiple")
    page.click("#poll-form button[type=submit]")
    page.wait_for_selector(f".poll-prep >> text={prompt}")


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth") <= 0


def test_a_class_with_a_quiz_a_poll_questions_likes_and_an_announcement(
    browser, hub_server, world, organizer, member, js_errors
):
    pc = f.PartyClassFactory(
        session__host_organization=world.root_a,
        session__status=LiveSession.Status.LIVE,
        session__audience_orgs=[world.branch_a],
        session__playback=LiveSession.Playback.EXTERNAL,
        session__external_url="https://live.douyin.com/123456",
    )
    session = pc.session
    (other,) = members(world, 1)
    host = js_errors.watch(
        browser_login(browser, hub_server, organizer, viewport={"width": 1280, "height": 900}).new_page()
    )
    polls_url = f"{hub_server.url}/classes/{session.pk}/polls/"
    prepare_in_browser(
        host,
        polls_url,
        kind="quiz",
        prompt="党的二十大召开于哪一年？",
        options=["2021", "2022", "2023"],
        correct="2",
    )
    prepare_in_browser(
        host,
        polls_url,
        kind="poll",
        prompt="你希望下次课用哪种形式？",
        options=["讲座", "讨论", "参观"],
        multiple=True,
    )
    quiz, poll = Poll.objects.filter(session=session).order_by("position")
    assert [o.is_correct for o in quiz.options.all()] == [False, True, False]

    room = f"{hub_server.url}/live/{session.pk}/"
    alice = js_errors.watch(browser_login(browser, hub_server, member, **PHONE).new_page())
    bob = js_errors.watch(browser_login(browser, hub_server, other, **PHONE).new_page())
    for page in (host, alice, bob):
        page.goto(room)
        page.wait_for_selector("#conn-state[data-state=open]")
    assert alice.locator("#ia-polls").is_hidden()

    # The host opens the quiz; it appears on the phones, each member answers once.
    host.click(f"#ia-host-polls li[data-id='{quiz.pk}'] .ia-poll-toggle")
    for page in (alice, bob):
        page.wait_for_selector(f"#ia-poll-list li[data-id='{quiz.pk}'] form.ia-answer")
    right, wrong = [o.pk for o in quiz.options.all()][1], [o.pk for o in quiz.options.all()][0]
    alice.check(f"#ia-poll-list li[data-id='{quiz.pk}'] input[value='{right}']")
    alice.click(f"#ia-poll-list li[data-id='{quiz.pk}'] .ia-answer-send")
    bob.check(f"#ia-poll-list li[data-id='{quiz.pk}'] input[value='{wrong}']")
    bob.click(f"#ia-poll-list li[data-id='{quiz.pk}'] .ia-answer-send")
    # The bars follow live: on the host's screen and on the phones once they have answered.
    for page in (host, alice, bob):
        page.wait_for_selector(
            f"#ia-poll-list li[data-id='{quiz.pk}'] .ia-bar[data-option-id='{right}'] .ia-bar-count >> text=1 · 50%"
        )
    width = alice.evaluate(
        f"document.querySelector(\"#ia-poll-list li[data-id='{quiz.pk}'] .ia-bar[data-option-id='{right}'] .ia-bar-fill\").style.width"
    )
    assert width == "50%"
    host.click(f"#ia-host-polls li[data-id='{quiz.pk}'] .ia-poll-toggle")  # close: the right answer shows
    alice.wait_for_selector(f"#ia-poll-list li[data-id='{quiz.pk}'] .ia-verdict.right")
    bob.wait_for_selector(f"#ia-poll-list li[data-id='{quiz.pk}'] .ia-verdict.wrong")
    bob.wait_for_selector(f"#ia-poll-list li[data-id='{quiz.pk}'] .ia-bar.correct[data-option-id='{right}']")

    # The poll: several answers.
    host.click(f"#ia-host-polls li[data-id='{poll.pk}'] .ia-poll-toggle")
    p_opts = [o.pk for o in poll.options.all()]
    alice.wait_for_selector(f"#ia-poll-list li[data-id='{poll.pk}'] form.ia-answer")
    alice.check(f"#ia-poll-list li[data-id='{poll.pk}'] input[value='{p_opts[0]}']")
    alice.check(f"#ia-poll-list li[data-id='{poll.pk}'] input[value='{p_opts[1]}']")
    alice.click(f"#ia-poll-list li[data-id='{poll.pk}'] .ia-answer-send")
    host.wait_for_selector(
        f"#ia-poll-list li[data-id='{poll.pk}'] .ia-bar[data-option-id='{p_opts[1]}'] .ia-bar-count >> text=1 · 100%"
    )
    assert PollAnswer.objects.filter(poll__session=session).count() == 3

    # Questions: Alice asks, Bob upvotes, the host sees the votes and pins it.
    alice.fill("#ia-ask-text", "学时怎么计算？<i>不是斜体</i>")
    alice.click("#ia-ask-send")
    bob.wait_for_selector("#ia-question-list .ia-question >> text=学时怎么计算？")
    bob.click("#ia-question-list .ia-question .ia-vote")
    host.wait_for_selector("#ia-question-list .ia-question .ia-vote-count >> text=1")
    assert host.locator("#ia-question-list i").count() == 0
    host.click("#ia-question-list .ia-question .ia-pin")
    alice.wait_for_selector("#ia-question-list .ia-question.pinned")
    assert bob.locator("#ia-question-list .ia-vote").is_disabled()

    # The announcement.
    host.fill("#ia-announce-text", "下课前请完成随堂测验")
    host.click("#ia-announce-set")
    for page in (alice, bob):
        page.wait_for_selector("#ia-announcement:not([hidden]) >> text=下课前请完成随堂测验")

    # Likes: taps on a phone; everyone sees the total, and it is stored.
    for _ in range(7):
        bob.click("#ia-like")
    for page in (host, alice, bob):
        page.wait_for_function("document.getElementById('ia-like-count').textContent === '7'", timeout=15000)
    wait_until(lambda: SessionLikes.objects.filter(session=session, total=7).exists())

    for page in (alice, bob):
        assert no_sideways_scroll(page)
    alice.screenshot(path=str(hub_server.log.parent / "interaction-phone.png"), full_page=True)
    host.screenshot(path=str(hub_server.log.parent / "interaction-desktop.png"), full_page=True)
    host.goto(polls_url)
    host.set_viewport_size({"width": 390, "height": 844})
    assert no_sideways_scroll(host)
    assert _errors(js_errors.list) == []
