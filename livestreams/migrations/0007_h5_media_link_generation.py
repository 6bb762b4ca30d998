# Signed viewing links name a generation (livestreams.playback); replays made by the hub are stored as the
# hub's own replay address instead of a permanent media-server link.

import re
from urllib.parse import urljoin

from django.conf import settings
from django.db import migrations, models
from django.urls import reverse

OLD_REPLAY = re.compile(r"/[A-Za-z0-9_-]{22}/session-([1-9][0-9]{0,11})\.mp4\?v=([0-9]{1,9})\Z")


def replays_through_the_hub(apps, schema_editor):
    LiveSession = apps.get_model("livestreams", "LiveSession")
    for session in LiveSession.objects.filter(replay_url__contains="/session-").only("pk", "replay_url"):
        match = OLD_REPLAY.search(session.replay_url)
        if match and int(match.group(1)) == session.pk:
            page = urljoin(settings.HUB_PUBLIC_URL, reverse("media:replay", args=[session.pk]))
            LiveSession.objects.filter(pk=session.pk).update(replay_url=f"{page}?v={match.group(2)}")


class Migration(migrations.Migration):
    dependencies = [
        ("livestreams", "0006_h5_private_lectures"),
    ]

    operations = [
        migrations.AddField(
            model_name="livesession",
            name="media_link_generation",
            field=models.PositiveIntegerField(default=1, editable=False),
        ),
        migrations.RunPython(replays_through_the_hub, migrations.RunPython.noop),
    ]
