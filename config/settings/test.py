"""Fast settings for the test suite: real PostgreSQL (or SQLite) and a real Redis, never fakes."""

import os

from config.env import env_str

# The suite must not talk to the developer's running hub: its own Redis database by default.
os.environ.setdefault("REDIS_URL", env_str("TEST_REDIS_URL", "redis://127.0.0.1:6379/9"))
os.environ.setdefault("DJANGO_DEBUG", "0")
os.environ.setdefault("DJANGO_SECRET_KEY", "test-secret-key-only-for-the-test-suite-0123456789")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,testserver")

from .base import *  # noqa: E402,F403
from .base import DATABASES, VAR_DIR  # noqa: E402

DEBUG = False
ALLOWED_HOSTS = ["localhost", "127.0.0.1", "testserver"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# locmem in the test process; a worker subprocess that must reach a real SMTP server is told otherwise.
EMAIL_BACKEND = os.environ.get("HUB_TEST_EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
# Text messages land in hub.sms.outbox.
HUB_SMS_BACKEND = os.environ.get("HUB_TEST_SMS_BACKEND", "hub.sms.LocmemBackend")
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
# Serve static files straight from the finders: no collectstatic needed before tests.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": {"BACKEND": "hub.storage.PrivateFileStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = VAR_DIR / "test-media"
HUB_PRIVATE_MEDIA_ROOT = VAR_DIR / "test-private"
HUB_CHANNEL_PREFIX = env_str("HUB_TEST_PREFIX", "test") + "-asgi"
HUB_REDIS_PREFIX = env_str("HUB_TEST_PREFIX", "test") + "-hub"
CHANNEL_LAYERS["default"]["CONFIG"]["prefix"] = HUB_CHANNEL_PREFIX  # noqa: F405
CACHES["default"]["KEY_PREFIX"] = HUB_REDIS_PREFIX  # noqa: F405

# Servers started by the tests (daphne, Celery worker) run in other processes and must reach the
# database the test run created, so SQLite's test database is a file, and a subprocess is told its name.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
_subprocess_db = os.environ.get("HUB_TEST_DB_NAME")
if _subprocess_db:
    DATABASES["default"]["NAME"] = _subprocess_db
# A server subprocess writes its text messages here (hub.sms.FileBackend) for the test to read.
HUB_SMS_FILE = os.environ.get("HUB_TEST_SMS_FILE", "")
