# Recorded lectures move out of the public MEDIA_ROOT into the private storage (HUB_PRIVATE_MEDIA_ROOT).

import shutil
from pathlib import Path

from django.conf import settings
from django.db import migrations, models

import hub.storage
import livestreams.models.media


def move_lecture_files(apps, schema_editor):
    """Files uploaded before keep their stored name; they only change folders (a missing one stays missing)."""
    Lecture = apps.get_model("livestreams", "Lecture")
    public = Path(settings.MEDIA_ROOT)
    private = Path(settings.HUB_PRIVATE_MEDIA_ROOT)
    for name in Lecture.objects.exclude(video="").values_list("video", flat=True):
        source, target = public / name, private / name
        if source.is_file() and not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(source, target)


class Migration(migrations.Migration):
    dependencies = [
        ("livestreams", "0005_room"),
    ]

    operations = [
        migrations.AlterField(
            model_name="lecture",
            name="video",
            field=models.FileField(
                storage=hub.storage.private_storage,
                upload_to=livestreams.models.media.lecture_file_name,
                verbose_name="video file",
            ),
        ),
        migrations.RunPython(move_lecture_files, migrations.RunPython.noop),
    ]
