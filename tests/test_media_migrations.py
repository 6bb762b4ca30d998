"""The media migrations move what an older hub stored: lecture files out of the public media folder, permanent
replay links to the hub's replay address, and stream keys for sessions that may still take a stream."""

from pathlib import Path

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from livestreams.models import LiveSession
from livestreams.playback import replay_page_url
from tests import factories as f

pytestmark = pytest.mark.django_db(transaction=True)
BEFORE = [("livestreams", "0005_room")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return MigrationExecutor(connection).loader.project_state(targets).apps


def test_older_data_is_moved_to_the_private_and_signed_ways(world, organizer, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.HUB_PRIVATE_MEDIA_ROOT = tmp_path / "private"
    ended = f.LiveSessionFactory(host_organization=world.root_a, status=LiveSession.Status.ENDED)
    coming = f.LiveSessionFactory(host_organization=world.root_a)
    external = f.LiveSessionFactory(
        host_organization=world.root_a, status=LiveSession.Status.ENDED, replay_url="https://v.example.com/1"
    )
    leaves = MigrationExecutor(connection).loader.graph.leaf_nodes("livestreams")
    try:
        old = _migrate(BEFORE)
        OldSession = old.get_model("livestreams", "LiveSession")
        OldLecture = old.get_model("livestreams", "Lecture")
        old_link = f"http://127.0.0.1:8088/replays/AbCdEfGhIjKlMnOpQrStUv/session-{ended.pk}.mp4?v=3"
        OldSession.objects.filter(pk=ended.pk).update(replay_url=old_link, stream_key="")
        OldSession.objects.filter(pk=coming.pk).update(stream_key="")
        name = "lectures/2026/11/党课.mp4"
        public_file = Path(settings.MEDIA_ROOT) / name
        public_file.parent.mkdir(parents=True)
        public_file.write_bytes(b"video")
        OldLecture.objects.create(
            session_id=coming.pk,
            video=name,
            original_name="党课.mp4",
            size=5,
            duration_seconds=1.0,
            video_codec="h264",
            uploaded_by_id=organizer.pk,
            uploaded_at=coming.starts_at,
        )

        _migrate(leaves)
    finally:
        _migrate(leaves)

    ended.refresh_from_db()
    coming.refresh_from_db()
    external.refresh_from_db()
    assert ended.replay_url == replay_page_url(ended, version=3)
    assert external.replay_url == "https://v.example.com/1"
    assert ended.stream_key == "" and len(coming.stream_key) >= 32
    assert (ended.media_link_generation, coming.media_link_generation) == (1, 1)
    assert not public_file.exists()
    assert (Path(settings.HUB_PRIVATE_MEDIA_ROOT) / name).read_bytes() == b"video"
    assert coming.lecture.video.name == name
