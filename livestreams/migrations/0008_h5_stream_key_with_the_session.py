# A session gets its stream key when it is made, so that the stream page (a GET) never writes.

import secrets

import django.utils.timezone
from django.db import migrations, models

import livestreams.models.sessions


def keys_for_coming_sessions(apps, schema_editor):
    """Sessions that may still take a stream get their key now (each its own)."""
    LiveSession = apps.get_model("livestreams", "LiveSession")
    now = django.utils.timezone.now()
    waiting = LiveSession.objects.filter(stream_key="").exclude(status__in=["ended", "cancelled"])
    for pk in waiting.values_list("pk", flat=True):
        LiveSession.objects.filter(pk=pk, stream_key="").update(
            stream_key=secrets.token_urlsafe(24), stream_key_rotated_at=now
        )


class Migration(migrations.Migration):
    dependencies = [
        ("livestreams", "0007_h5_media_link_generation"),
    ]

    operations = [
        migrations.AlterField(
            model_name="livesession",
            name="stream_key",
            field=models.CharField(
                blank=True,
                default=livestreams.models.sessions.new_stream_key,
                editable=False,
                max_length=64,
                verbose_name="stream key",
            ),
        ),
        migrations.AlterField(
            model_name="livesession",
            name="stream_key_rotated_at",
            field=models.DateTimeField(
                blank=True,
                default=django.utils.timezone.now,
                editable=False,
                null=True,
                verbose_name="stream key made",
            ),
        ),
        migrations.RunPython(keys_for_coming_sessions, migrations.RunPython.noop),
    ]
