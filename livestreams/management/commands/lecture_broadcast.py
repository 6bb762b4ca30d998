"""Broadcast one claimed recorded lecture (started by the Celery task livestreams.tasks.media.start_lecture).

Its own process, so that a broadcast lasting the whole class never holds a Celery worker."""

from django.core.management.base import BaseCommand

from livestreams.services.media import lecture_run


class Command(BaseCommand):
    help = "Broadcast a recorded lecture to the media server until it ends or its class ends (run by Celery)."

    def add_arguments(self, parser):
        parser.add_argument("lecture_id", type=int)

    def handle(self, *args, lecture_id, **options):
        state = lecture_run(lecture_id=lecture_id)
        self.stdout.write(f"lecture {lecture_id}: {state}")
