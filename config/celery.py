import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

app = Celery("hub")
# Every Celery setting lives in Django settings under the CELERY_ prefix (JSON only, time limits, beat).
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
