"""Comments, the word filter, rate limit and slow mode, moderation: the services, and the same over the socket."""

from __future__ import annotations

import pytest

from livestreams.models import BannedWord, Comment, LiveSession, ModerationAction, Mute, PresenceInterval
from livestreams.services.room import (
    RoomError,
    comment_post,
    comment_remove,
    mute_create,
    mute_delete,
    session_slow_mode_set,
    text_filter,
)
from tests import factories as f
from tests.room_helpers import Reader, clean_room_redis, run, session_cookie, socket


@pytest.fixture(autouse=True)
def _clean_redis():
    clean_room_redis()


@pytest.fixture
def live(world):
    return f.LiveSessionFactory(
        host_organization=world.root_a, status=LiveSession.Status.LIVE, audience_orgs=[world.branch_a]
    )


def refusal(fn, **kwargs) -> RoomError:
    with pytest.raises(RoomError) as caught:
        fn(**kwargs)
    return caught.value


# --- Comments ---------------------------------------------------------------------------------------


def test_it_stores_a_members_comment(live, member, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        comment = comment_post(session=live, user=member, text="  学习了！ ")
    assert Comment.objects.get(pk=comment.pk).text == "学习了！"
    assert comment.by_moderator is False


def test_it_refuses_outsiders_officials_and_closed_sessions(live, outsider, official, member):
    assert refusal(comment_post, session=live, user=outsider, text="hi").code == "forbidden"
    assert refusal(comment_post, session=live, user=official, text="hi").code == "forbidden"
    live.status = LiveSession.Status.ENDED
    live.save()
    assert refusal(comment_post, session=live, user=member, text="hi").code == "closed"
    assert not Comment.objects.exists()


def test_it_refuses_empty_and_too_long_comments_with_the_limit_in_the_message(live, member):
    assert refusal(comment_post, session=live, user=member, text="   ").code == "empty"
    error = refusal(comment_post, session=live, user=member, text="长" * 201)
    assert error.code == "too_long" and "200" in error.message and "201" in error.message
    assert comment_post(session=live, user=member, text="长" * 200).text == "长" * 200


@pytest.mark.parametrize(
    "text",
    [
        "a\x00b",
        "\x00",
        "nul\x00",
        "a\ud800b",
        "\udfff",
        "tab\tinside",
        "two\nlines",
        "bell\x07",
        "del\x7f",
        "c1\x85",
    ],
)
def test_control_characters_and_unpaired_surrogates_are_refused_before_the_rate_limit(live, member, text):
    for i in range(6):  # more refusals than the rate limit allows comments
        assert refusal(comment_post, session=live, user=member, text=text + str(i)).code == "invalid"
    for i in range(5):
        comment_post(session=live, user=member, text=f"正常{i}")
    assert Comment.objects.count() == 5


def test_it_rate_limits_and_says_when_to_try_again(live, member):
    for i in range(5):
        comment_post(session=live, user=member, text=f"刷屏{i}")
    error = refusal(comment_post, session=live, user=member, text="第六条")
    assert error.code == "rate_limited"
    assert 1 <= error.retry_after <= 10
    assert f"{error.retry_after} 秒后再试" in error.message
    assert Comment.objects.count() == 5


def test_slow_mode_spaces_one_persons_comments_but_not_the_hosts(live, member, organizer):
    live.slow_mode_seconds = 30
    live.save()
    comment_post(session=live, user=member, text="一")
    error = refusal(comment_post, session=live, user=member, text="二")
    assert error.code == "slow_mode" and 25 <= error.retry_after <= 30
    for i in range(8):
        comment_post(session=live, user=organizer, text=f"主持人{i}")
    assert Comment.objects.filter(author=organizer, by_moderator=True).count() == 8


# --- The word filter ------------------------------------------------------------------------------------


def test_the_word_filter_masks_and_blocks_chinese_words_without_spaces(db):
    BannedWord.objects.create(word="傻瓜", action=BannedWord.Action.MASK)
    BannedWord.objects.create(word="赌博", action=BannedWord.Action.BLOCK)
    BannedWord.objects.create(word="ＶＸ", action=BannedWord.Action.MASK)
    assert text_filter("你这个傻瓜真是的") == ("你这个**真是的", [])
    assert text_filter("傻 瓜！") == ("* *！", [])
    assert text_filter("加我vx聊") == ("加我**聊", [])
    assert text_filter("一起来赌-博吧")[1] == ["赌博"]
    assert text_filter("今天天气很好") == ("今天天气很好", [])


@pytest.mark.parametrize(
    "text",
    [
        "赌\u0301博",  # combining acute (Mn)
        "赌\u0301\u0323\u0308博",  # several stacked marks
        "赌\ufe00博",  # variation selector 1 (Mn)
        "赌\ufe0f博",  # emoji presentation selector
        "赌\U000e0100博",  # VS17, supplementary
        "赌\U000e01ef博",  # VS256
        "赌\u20dd博",  # enclosing circle (Me)
        "赌\u0488博",  # Cyrillic enclosing hundred thousands sign (Me)
        "赌\u0903博",  # a spacing mark (Mc)
        "赌\u200d博",  # zero-width joiner (Cf)
        "赌\u200b博",  # zero-width space
        "赌\u2060博",  # word joiner
        "赌\u202e博",  # right-to-left override (bidi)
        "赌\u2066博\u2069",  # bidi isolates
        "赌\U000e0041博",  # tag character
        "赌\u00ad博",  # soft hyphen
        "赌\u3164博",  # Hangul filler (a letter that renders as nothing)
        "赌\u3000博",  # ideographic space
        "赌·博",  # middle dot
        "赌｜博",  # full-width punctuation
        "赌\u2800博",  # braille blank
        "㊣赌博",  # an enclosed ideograph before it does not hide it
        "\u2f00赌博",  # a Kangxi radical before it
    ],
)
def test_the_word_filter_sees_through_invisible_and_combining_characters(db, text):
    BannedWord.objects.create(word="赌博", action=BannedWord.Action.BLOCK)
    assert text_filter(f"一起来{text}吧")[1] == ["赌博"]


def test_the_word_filter_folds_compatibility_forms_and_masks_them_with_their_marks(db):
    BannedWord.objects.create(word="刷单", action=BannedWord.Action.MASK)
    BannedWord.objects.create(word="一起", action=BannedWord.Action.MASK)  # written with a Kangxi radical
    BannedWord.objects.create(word="café", action=BannedWord.Action.MASK)
    assert text_filter("刷\u20dd单赚钱") == ("***赚钱", [])
    assert text_filter("⼀起吧")[0] == "**吧"  # U+2F00 KANGXI RADICAL ONE
    assert text_filter("来CAFE\u0301坐")[0] == "来*****坐"
    assert text_filter("咖啡馆 cafe")[0] == "咖啡馆 ****"  # accents do not matter, either way


def test_the_word_list_that_staff_edit_applies_at_once_and_inactive_words_do_not(live, member):
    comment_post(session=live, user=member, text="代开发票找我")
    word = BannedWord.objects.create(word="代开发票", action=BannedWord.Action.BLOCK)
    assert refusal(comment_post, session=live, user=member, text="代开发票找我").code == "blocked_word"
    word.is_active = False
    word.save()
    assert comment_post(session=live, user=member, text="代开发票找我").text == "代开发票找我"


def test_a_masked_comment_is_stored_masked(live, member):
    BannedWord.objects.create(word="笨蛋", action=BannedWord.Action.MASK)
    assert comment_post(session=live, user=member, text="笨蛋才不来").text == "**才不来"


# --- Moderation -----------------------------------------------------------------------------------------


def test_a_moderator_removes_a_comment_once_and_it_is_logged(live, member, organizer):
    comment = comment_post(session=live, user=member, text="广告")
    assert comment_remove(session=live, comment_id=comment.pk, user=organizer) is True
    assert comment_remove(session=live, comment_id=comment.pk, user=organizer) is False
    comment.refresh_from_db()
    assert comment.removed_by == organizer
    log = ModerationAction.objects.get()
    assert (log.action, log.actor, log.target_user, log.comment) == (
        "remove_comment",
        organizer,
        member,
        comment,
    )


def test_only_moderators_remove_mute_or_set_slow_mode(live, member, official, other_organizer):
    comment = comment_post(session=live, user=member, text="你好")
    for actor in (member, official, other_organizer):
        assert refusal(comment_remove, session=live, comment_id=comment.pk, user=actor).code == "forbidden"
        assert refusal(mute_create, session=live, target_id=member.pk, user=actor).code == "forbidden"
        assert refusal(session_slow_mode_set, session=live, seconds=10, user=actor).code == "forbidden"
    assert not ModerationAction.objects.exists()


def test_a_muted_person_cannot_comment_until_unmuted(live, member, organizer):
    comment_post(session=live, user=member, text="大家好")
    assert mute_create(session=live, target_id=member.pk, user=organizer) is True
    assert mute_create(session=live, target_id=member.pk, user=organizer) is False
    assert refusal(comment_post, session=live, user=member, text="我还在").code == "muted"
    assert mute_delete(session=live, target_id=member.pk, user=organizer) is True
    assert mute_delete(session=live, target_id=member.pk, user=organizer) is False
    assert comment_post(session=live, user=member, text="我回来了")
    assert list(ModerationAction.objects.order_by("created_at").values_list("action", flat=True)) == [
        "mute",
        "unmute",
    ]


def test_bad_input_to_moderation_changes_nothing(live, staff):
    assert refusal(comment_remove, session=live, comment_id=999999, user=staff).code == "not_found"
    for bad in (-1, 301, "10", True, None):
        assert refusal(session_slow_mode_set, session=live, seconds=bad, user=staff).code == "invalid"
    assert not Mute.objects.exists() and not ModerationAction.objects.exists()


def test_only_people_of_the_room_can_be_muted_and_every_other_id_gets_the_same_refusal(
    world, live, member, organizer, staff, outsider, official
):
    """Muting must not tell a moderator who an id is: not whether it exists, is staff, a moderator or was
    never in the room (issue 11: any id was accepted and its real name broadcast to the room)."""
    viewer = f.UserFactory(email="viewer@example.com", name="只看不说")
    PresenceInterval.objects.create(session=live, user=viewer, joined_at=live.starts_at)
    comment_post(session=live, user=member, text="我说过话")
    comment_post(session=live, user=organizer, text="主持人也说过话")
    PresenceInterval.objects.create(session=live, user=staff, joined_at=live.starts_at)
    elsewhere = f.LiveSessionFactory(host_organization=world.root_a, status=LiveSession.Status.LIVE)
    f.CommentFactory(session=elsewhere, author=official, text="在另一场")
    refusals = {
        refusal(mute_create, session=live, target_id=uid, user=staff).message
        for uid in (organizer.pk, staff.pk, outsider.pk, official.pk, 999999, -1, 2**70, "1", 1.0, None, True)
    }
    assert len(refusals) == 1  # one message for all: nothing to tell them apart
    assert not Mute.objects.exists() and not ModerationAction.objects.exists()
    assert mute_create(session=live, target_id=member.pk, user=organizer) is True
    assert mute_create(session=live, target_id=viewer.pk, user=organizer) is True
    assert mute_delete(session=live, target_id=outsider.pk, user=organizer) is False
    assert mute_delete(session=live, target_id="x", user=organizer) is False
    assert mute_delete(session=live, target_id=viewer.pk, user=organizer) is True


@pytest.mark.django_db(transaction=True)
def test_the_room_sees_the_name_of_a_muted_person_only_when_their_comments_show_it(live, member, organizer):
    live.visibility = LiveSession.Visibility.PUBLIC
    live.save()
    viewer = f.UserFactory(email="quiet@example.com", name="沉默的观众")
    PresenceInterval.objects.create(session=live, user=viewer, joined_at=live.starts_at)
    f.CommentFactory(session=live, author=member, text="说话")
    cookie = session_cookie(organizer)

    async def scenario():
        mod = Reader(socket(f"/ws/live/{live.pk}/", cookie=cookie))
        anonymous = Reader(socket(f"/ws/live/{live.pk}/"))
        await mod.joined()
        await anonymous.joined()
        events = []
        for user_id in (viewer.pk, member.pk):
            await mod.send({"type": "mute", "user_id": user_id})
            events.append(await anonymous.of_type("muted"))
        await mod.send({"type": "unmute", "user_id": viewer.pk})
        events.append(await anonymous.of_type("unmuted"))
        await mod.close()
        await anonymous.close()
        return events

    quiet, talker, unmuted = run(scenario)
    assert quiet == {"type": "muted", "user_id": viewer.pk, "name": None}
    assert talker == {"type": "muted", "user_id": member.pk, "name": "陈党员"}
    assert unmuted == {"type": "unmuted", "user_id": viewer.pk, "name": None}


# --- The same over the socket ---------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_moderation_over_the_socket_is_pushed_to_everyone(live, member, organizer):
    member_cookie, organizer_cookie = session_cookie(member), session_cookie(organizer)
    comment = f.CommentFactory(session=live, author=member, text="违规内容")

    async def scenario():
        mod = Reader(socket(f"/ws/live/{live.pk}/", cookie=organizer_cookie))
        viewer = Reader(socket(f"/ws/live/{live.pk}/", cookie=member_cookie))
        opening = await mod.joined()
        await viewer.joined()
        await viewer.send({"type": "remove", "id": comment.pk, "nonce": "n1"})
        forbidden = await viewer.of_type("error")
        await mod.send({"type": "remove", "id": comment.pk})
        removed = await viewer.of_type("comment_removed")
        await mod.send({"type": "mute", "user_id": member.pk})
        muted = await viewer.of_type("muted")
        await viewer.send({"type": "comment", "text": "我被禁言了吗"})
        refused = await viewer.of_type("error")
        await mod.send({"type": "unmute", "user_id": member.pk})
        await viewer.of_type("unmuted")
        await mod.send({"type": "slow_mode", "seconds": 20})
        slow = await viewer.of_type("slow_mode")
        await viewer.send({"type": "comment", "text": "第一条"})
        await viewer.of_type("ack")
        await viewer.send({"type": "comment", "text": "第二条"})
        slowed = await viewer.of_type("error")
        await mod.send({"type": "mute", "user_id": "abc"})
        invalid = await mod.of_type("error")
        for r in (mod, viewer):
            await r.close()
        return opening, forbidden, removed, muted, refused, slow, slowed, invalid

    opening, forbidden, removed, muted, refused, slow, slowed, invalid = run(scenario)
    assert opening["welcome"]["can_moderate"] is True
    assert forbidden["code"] == "forbidden" and forbidden["nonce"] == "n1"
    assert removed == {"type": "comment_removed", "id": comment.pk}
    assert muted["user_id"] == member.pk and muted["name"] == "陈党员"
    assert refused["code"] == "muted"
    assert slow == {"type": "slow_mode", "seconds": 20}
    assert slowed["code"] == "slow_mode" and slowed["retry_after"] >= 19
    assert invalid["code"] == "invalid"
    assert ModerationAction.objects.filter(session=live).count() == 4
