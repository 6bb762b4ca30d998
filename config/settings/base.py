"""Settings read from the environment.

Development gets defaults only while DJANGO_DEBUG is on; in production a missing or
bad value stops the process at start with a message that names the variable.
"""

import hashlib
import hmac
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from redis.exceptions import ConnectionError as RedisConnectionError

from config.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(env_str("HUB_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DJANGO_DEBUG", False)
# With DEBUG on, unknown pages still get the product's 404 page (hub.errors.DebugNotFoundMiddleware);
# 1 brings back Django's technical 404 page for developers.
HUB_DEBUG_TECHNICAL_404 = env_bool("HUB_DEBUG_TECHNICAL_404", False)

SECRET_KEY = env_str("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. Set it to a long random string, or set DJANGO_DEBUG=1 for development."
        )
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production-" + "x" * 20  # noqa: S105

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
if not ALLOWED_HOSTS and not DEBUG:
    raise ImproperlyConfigured(
        "DJANGO_ALLOWED_HOSTS is not set. Set it to the host names of the hub, comma-separated (e.g. hub.example.org)."
    )
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "channels",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.weixin",
    "django_htmx",
    "csp",
    "treebeard",
    "hub",
    "partyorgs",
    "livestreams",
    "hub.dashboards",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "hub.csp.HubCSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "hub.errors.DebugNotFoundMiddleware",
]

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"
WSGI_APPLICATION = None

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "hub.context_processors.hub",
                "partyorgs.context_processors.scope",
            ],
        },
    },
]

# Database: SQLite file under var/ unless DATABASE_URL names another one. What each engine needs is set here,
# whichever way it was named (a sqlite:// DATABASE_URL gets the same SQLite options as the default file).
DATABASE_URL = env_str("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL)}
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": VAR_DIR / "hub.sqlite3"}}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # daphne's HTTP threads and socket threads and the Celery processes share one file. WAL lets readers go on
    # while one connection writes; every transaction begins IMMEDIATE, taking the write lock before its first
    # read, so a writer that finds the lock taken waits its turn (up to the busy timeout) instead of failing at
    # once: a transaction that read first and then asks for the lock gets "database is locked" without
    # waiting (SQLite cannot let it wait: the holder may need to wait for it).
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        **DATABASES["default"].get("OPTIONS", {}),
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # One bounded pool of connections per process (psycopg_pool), shared by all its threads: ASGI runs every
    # HTTP request in a new thread, so connections kept per thread (CONN_MAX_AGE) would grow with the traffic.
    # A thread that finds the pool exhausted waits up to `timeout` seconds for a connection to come back.
    DATABASES["default"]["CONN_MAX_AGE"] = 0  # the pool keeps the connections; Django must not keep its own
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": 1,
        "max_size": env_int("HUB_DB_POOL_SIZE", 8),
        "max_idle": 300,
        "timeout": 20,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Redis: channel layer, Celery broker, cache (rate limits, presence).
REDIS_URL = env_str("REDIS_URL", "redis://127.0.0.1:6379/0")

CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        # redis-py 8 reads with a 5 s socket timeout by default, the same 5 s that channels_redis blocks in
        # BZPOPMIN: a loaded server then fails receives with TimeoutError. A longer read timeout avoids that.
        # After a Redis restart the pooled connections are dead: retry a command once on a fresh connection
        # (a socket whose blocking read failed rejoins its groups and resyncs: hub.consumers).
        "CONFIG": {
            "hosts": [{"address": REDIS_URL, "socket_timeout": 15, "retry_on_error": [RedisConnectionError]}],
            "prefix": env_str("HUB_CHANNEL_PREFIX", "asgi"),
        },
    }
}
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "hub",
    }
}

# Accounts
AUTH_USER_MODEL = "hub.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "dashboards:home"
ACCOUNT_ADAPTER = "partyorgs.adapters.AccountAdapter"
ACCOUNT_FORMS = {
    "signup": "partyorgs.forms.InvitationSignupForm",
    # --- phone sign-in --- the number typed is read by hub.sms.phone_normalize; SMS sends are rate limited.
    "login": "partyorgs.phone.PhoneLoginForm",
    "request_login_code": "partyorgs.phone.PhoneRequestLoginCodeForm",
    "confirm_login_code": "partyorgs.phone.PhoneConfirmLoginCodeForm",
    "change_phone": "partyorgs.phone.PhoneChangeForm",
    "verify_phone": "partyorgs.phone.PhoneVerifyForm",
}
# Email + password, or a mobile number + an SMS code (partyorgs/phone.py). "phone" in the sign-up fields
# (optional) is what turns on allauth's number pages (/accounts/phone/change/, /accounts/phone/verify/).
ACCOUNT_LOGIN_METHODS = {"email", "phone"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "phone", "password1*", "password2*"]
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_LOGIN_BY_CODE_TIMEOUT = env_int("HUB_SMS_CODE_TIMEOUT_SECONDS", 5 * 60)  # a code expires
ACCOUNT_PHONE_VERIFICATION_TIMEOUT = ACCOUNT_LOGIN_BY_CODE_TIMEOUT
ACCOUNT_LOGIN_BY_CODE_MAX_ATTEMPTS = 5
ACCOUNT_PHONE_VERIFICATION_MAX_ATTEMPTS = 5
ACCOUNT_LOGIN_BY_CODE_FORMAT = ACCOUNT_PHONE_VERIFICATION_CODE_FORMAT = {
    "numeric": True,
    "length": 6,
    "dashed": False,
}
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_RATE_LIMITS = {
    # allauth's defaults, written out so that they are visibly on.
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "confirm_email": "1/3m/key",
    # --- phone sign-in --- every SMS code the hub sends, whatever the page: per number and per address.
    "request_login_code": "20/m/ip,3/m/key",
    "verify_phone": "1/30s/key,3/m/ip",
    "change_phone": "3/m/user",
    "sms_code": env_str("HUB_SMS_RATE_LIMITS", "1/m/key,10/d/key,10/h/ip"),
}
# Public sign-up is off: accounts come from organizers/admins or an invitation link.
HUB_OPEN_SIGNUP = env_bool("HUB_OPEN_SIGNUP", False)
# --- phone sign-in --- Viewers of a public session may sign up with their number from its room (a signed
# link from the room, valid this many hours; partyorgs/phone.py), whatever HUB_OPEN_SIGNUP says.
HUB_PHONE_SIGNUP_LINK_HOURS = env_int("HUB_PHONE_SIGNUP_LINK_HOURS", 24)
# WeChat sign-in (allauth's weixin provider): on when both are set here, or with a SocialApp in the admin.
SOCIALACCOUNT_ADAPTER = "partyorgs.adapters.SocialAccountAdapter"
SOCIALACCOUNT_EMAIL_REQUIRED = False
SOCIALACCOUNT_EMAIL_VERIFICATION = "none"
# The website app's QR page by default; inside WeChat's own browser an official account's page
# (https://open.weixin.qq.com/connect/oauth2/authorize with scope snsapi_userinfo) signs in without a scan.
SOCIALACCOUNT_PROVIDERS: dict = {
    "weixin": {
        "AUTHORIZE_URL": env_str("HUB_WECHAT_AUTHORIZE_URL", "https://open.weixin.qq.com/connect/qrconnect"),
        "SCOPE": env_list("HUB_WECHAT_SCOPE", ["snsapi_login"]),
    }
}
if env_str("HUB_WECHAT_APP_ID", "") and env_str("HUB_WECHAT_APP_SECRET", ""):
    SOCIALACCOUNT_PROVIDERS["weixin"]["APPS"] = [
        {"client_id": env_str("HUB_WECHAT_APP_ID", ""), "secret": env_str("HUB_WECHAT_APP_SECRET", "")}
    ]
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False

# Email
DEFAULT_FROM_EMAIL = env_str("DJANGO_DEFAULT_FROM_EMAIL", "hub@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_BACKEND = env_str(
    "DJANGO_EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env_str("DJANGO_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("DJANGO_EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("DJANGO_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("DJANGO_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("DJANGO_EMAIL_USE_TLS", False)
# Seconds an SMTP call may take; also bounds how long an outbox sender can hold a row (hub.emails).
EMAIL_TIMEOUT = env_int("DJANGO_EMAIL_TIMEOUT", 20)
# The outbox (hub.emails): how long a sender holds the rows it claimed, and how often a failure is retried.
# How long a finished roster or results import (with the problems it lists, which quote the uploaded rows)
# stays readable on its page before the daily clean-up deletes it.
HUB_IMPORT_KEEP_DAYS = env_int("HUB_IMPORT_KEEP_DAYS", 90)
HUB_EMAIL_LEASE_SECONDS = env_int("HUB_EMAIL_LEASE_SECONDS", 300)
HUB_EMAIL_MAX_ATTEMPTS = env_int("HUB_EMAIL_MAX_ATTEMPTS", 8)

# Text messages (hub/sms.py): the console (the log) unless a provider adapter is configured.
HUB_SMS_BACKEND = env_str("HUB_SMS_BACKEND", "hub.sms.ConsoleBackend")
# Aliyun SMS (hub.sms.AliyunBackend, dysmsapi SendSms): keys, the approved signature and template (its one
# variable is ${code}); the endpoint only changes for tests.
HUB_SMS_ALIYUN_ACCESS_KEY_ID = env_str("HUB_SMS_ALIYUN_ACCESS_KEY_ID", "")
HUB_SMS_ALIYUN_ACCESS_KEY_SECRET = env_str("HUB_SMS_ALIYUN_ACCESS_KEY_SECRET", "")
HUB_SMS_ALIYUN_SIGN_NAME = env_str("HUB_SMS_ALIYUN_SIGN_NAME", "")
HUB_SMS_ALIYUN_TEMPLATE_CODE = env_str("HUB_SMS_ALIYUN_TEMPLATE_CODE", "")
# The invitation template (variables ${scope} and ${link}); without it invitations by number are not texted
# through Aliyun (the organizer still has the link to share).
HUB_SMS_ALIYUN_INVITATION_TEMPLATE_CODE = env_str("HUB_SMS_ALIYUN_INVITATION_TEMPLATE_CODE", "")
HUB_SMS_ALIYUN_ENDPOINT = env_str("HUB_SMS_ALIYUN_ENDPOINT", "https://dysmsapi.aliyuncs.com/")
HUB_SMS_TIMEOUT = env_int("HUB_SMS_TIMEOUT", 10)
# hub.sms.FileBackend (tests across processes) writes here.
HUB_SMS_FILE = env_str("HUB_SMS_FILE", str(VAR_DIR / "sms.jsonl"))

# An expired or foreign form gets the site's own 403 page (hub/errors.py).
CSRF_FAILURE_VIEW = "hub.errors.csrf_failure"

# Internationalization: Chinese first, English switchable.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# The language cookie outlives a browser restart (Django's default ends with the browser session while the
# sign-in lasts two weeks): the choice made with the switcher or brought by signing in stays (hub.language).
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# Static and media
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
# Front-end libraries are installed from the npm registry at set-up (make vendor) into var/vendor.
STATICFILES_DIRS = [BASE_DIR / "static", ("vendor", VAR_DIR / "vendor")]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = DEBUG
# MEDIA_ROOT is public: anyone may fetch it at MEDIA_URL, so it holds covers and product images only.
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("DJANGO_MEDIA_ROOT", str(VAR_DIR / "media")))
# Files only the hub's processes read (recorded lectures of classes): never served (hub/storage.py).
HUB_PRIVATE_MEDIA_ROOT = Path(env_str("HUB_PRIVATE_MEDIA_ROOT", str(VAR_DIR / "private")))
STORAGES["private"] = {"BACKEND": "hub.storage.PrivateFileStorage"}
if HUB_PRIVATE_MEDIA_ROOT.resolve().is_relative_to(MEDIA_ROOT.resolve()):
    raise ImproperlyConfigured(
        "HUB_PRIVATE_MEDIA_ROOT must not be inside DJANGO_MEDIA_ROOT: everything there is served to anyone."
    )
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# Security: production values by default, relaxed only for development.
# --- proxy --- How many reverse proxies stand between the clients and daphne (deploy/: nginx, so 1). Only
# then are X-Forwarded-For and X-Forwarded-Proto believed, by daphne (`manage.py serve` adds
# --proxy-headers: the client address of requests and websockets) and by allauth's failed-login limits,
# which would otherwise count every user as the proxy's one address. nginx overwrites X-Forwarded-For with
# the address it sees, so a client cannot choose its own; daphne must listen only where the proxy (and the
# media server's callbacks) reach it. A CDN in front of nginx is nginx's business (set_real_ip_from).
HUB_TRUSTED_PROXY_COUNT = env_int("HUB_TRUSTED_PROXY_COUNT", 0)
if HUB_TRUSTED_PROXY_COUNT not in (0, 1):
    raise ImproperlyConfigured(
        "HUB_TRUSTED_PROXY_COUNT must be 0 (clients reach daphne directly) or 1 (behind the nginx of deploy/; "
        "proxies in front of that nginx are declared to nginx with set_real_ip_from)."
    )
ALLAUTH_TRUSTED_PROXY_COUNT = HUB_TRUSTED_PROXY_COUNT
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HUB_TRUSTED_PROXY_COUNT else None
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("DJANGO_SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("DJANGO_CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp; docs/security.md says what each directive allows and why). Scripts and
# styles come only from the hub's own files: markup that slips into a page cannot run script, nor restyle it.
# hub.csp.HubCSPMiddleware adds the media server's origin (from HUB_HLS_BASE_URL and HUB_MEDIA_REPLAY_BASE_URL)
# to media-src and connect-src, and ws(s):// to the page's host; the live room adds the embeddable players'
# hosts (livestreams.watch.EMBED_HOSTS) to frame-src, and the origin of a replay linked on another site.
_wechat_authorize = urlsplit(SOCIALACCOUNT_PROVIDERS["weixin"]["AUTHORIZE_URL"])
if _wechat_authorize.scheme != "https" or not _wechat_authorize.netloc:
    raise ImproperlyConfigured(
        "HUB_WECHAT_AUTHORIZE_URL must be an https:// address (WeChat's authorize page)."
    )
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        # data: and blob: for pictures a page makes itself (a chart exported, an upload previewed): no page does
        # today, and an image cannot run script.
        "img-src": ["'self'", "data:", "blob:"],
        # hls.js plays through Media Source Extensions (blob: URLs) and transmuxes in a blob: worker.
        "media-src": ["'self'", "blob:"],
        "worker-src": ["'self'", "blob:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        # Like X_FRAME_OPTIONS = "DENY": no site frames the hub, not even the hub.
        "frame-ancestors": ["'none'"],
        # Forms post to the hub; WeChat sign-in's confirmation form is redirected on to WeChat's authorize page.
        "form-action": ["'self'", f"https://{_wechat_authorize.netloc}"],
    }
}
SESSION_COOKIE_HTTPONLY = True
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# Celery: Redis broker, JSON only, time limits set once, beat schedule in code.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL)
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_SERIALIZER = "json"
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_TIME_LIMIT = 5 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 4 * 60
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# Each issue adds its periodic tasks here; all of them are short and idempotent.
CELERY_BEAT_SCHEDULE: dict = {
    "hub-heartbeat": {"task": "hub.tasks.beat_heartbeat", "schedule": timedelta(seconds=30)},
    "hub-email-sweep": {
        "task": "hub.tasks.email_sweep",
        "schedule": timedelta(seconds=60),
        "options": {"expires": 55},
    },
    "hub-purge-read-notifications": {
        "task": "hub.tasks.purge_old_notifications",
        "schedule": crontab(hour=3, minute=30),
    },
    # --- live rooms ---
    "room-sweep-presence": {
        "task": "livestreams.tasks.room.sweep_presence",
        "schedule": timedelta(seconds=30),
    },
    "room-likes-sweep": {
        "task": "livestreams.tasks.interaction.likes_sweep",
        "schedule": timedelta(seconds=30),
    },
    # --- classes ---
    "classes-lifecycle": {
        "task": "livestreams.tasks.lifecycle.advance_sessions",
        "schedule": timedelta(seconds=15),
        "options": {"expires": 14},
    },
    "classes-reminders-arm": {
        "task": "livestreams.tasks.reminders.arm_reminders",
        "schedule": timedelta(seconds=60),
        "options": {"expires": 55},
    },
    "classes-reminders-send": {
        "task": "livestreams.tasks.reminders.send_due_reminders",
        "schedule": timedelta(seconds=20),
        "options": {"expires": 19},
    },
    "classes-branches-behind": {
        "task": "livestreams.tasks.classes.notify_branches_behind",
        "schedule": crontab(day_of_month="1,15", hour=9, minute=0),
    },
    # --- meeting records (三会一课) ---
    "meetings-plan-remind": {
        "task": "livestreams.tasks.meetings.meeting_plan_remind",
        "schedule": crontab(hour=9, minute=30),
    },
    # --- sales ---
    "sales-release-expired-studio-holds": {
        "task": "livestreams.tasks.sales.release_expired_studio_holds",
        "schedule": timedelta(minutes=1),
    },
    "sales-pending-images-cleanup": {
        "task": "livestreams.tasks.sales.pending_images_cleanup",
        "schedule": timedelta(hours=1),
    },
    "sales-results-imports-cleanup": {
        "task": "livestreams.tasks.sales.results_imports_cleanup",
        "schedule": crontab(hour=4, minute=10),
    },
    # --- organizations ---
    "orgs-roster-imports-cleanup": {
        "task": "partyorgs.tasks.roster_imports_cleanup",
        "schedule": crontab(hour=4, minute=20),
    },
    # --- dashboards ---
    "dashboards-refresh": {
        "task": "hub.dashboards.tasks.refresh_dashboards",
        "schedule": timedelta(minutes=2),
        "options": {"expires": 110},
    },
    # --- media ---
    "media-tick": {
        "task": "livestreams.tasks.media.media_tick",
        "schedule": timedelta(seconds=env_int("HUB_MEDIA_TICK_SECONDS", 15)),
    },
}

# Hub behaviour
HUB_SITE_NAME = _("Red Livestream Hub")
# Prefix of the hub's own Redis keys and pub/sub channels (pub/sub is not scoped by Redis database).
HUB_REDIS_PREFIX = env_str("HUB_REDIS_PREFIX", "hub")
HUB_PUBLIC_URL = env_str("HUB_PUBLIC_URL", "http://127.0.0.1:8000")
# --- classes ---
# Minutes before a session at which reminders go out (classes can choose their own when scheduled).
try:
    HUB_REMINDER_OFFSETS = sorted(
        {int(m) for m in env_list("HUB_REMINDER_OFFSETS_MINUTES", ["1440", "15"])}, reverse=True
    )
except ValueError:
    raise ImproperlyConfigured(
        "HUB_REMINDER_OFFSETS_MINUTES must be whole minutes separated by commas, e.g. 1440,15."
    ) from None
HUB_REMINDER_BATCH_SIZE = env_int("HUB_REMINDER_BATCH_SIZE", 200)
HUB_ATTENDANCE_THRESHOLD = env_int("HUB_ATTENDANCE_THRESHOLD_PERCENT", 60)
# --- meeting records (三会一课) --- Branches short of their plan are reminded this many days before the quarter ends.
HUB_MEETING_REMINDER_DAYS = env_int("HUB_MEETING_REMINDER_DAYS", 21)
HUB_COVER_MAX_BYTES = env_int("HUB_COVER_MAX_BYTES", 5 * 1024 * 1024)
# Every other image people upload (product pictures; hub.images), checked and re-encoded the same way.
HUB_IMAGE_MAX_BYTES = env_int("HUB_IMAGE_MAX_BYTES", 5 * 1024 * 1024)
# --- sales and studios ---
# A studio slot held for a session awaiting approval is released after this many hours, and at the latest
# this many hours before the session starts.
HUB_STUDIO_HOLD_HOURS = env_int("HUB_STUDIO_HOLD_HOURS", 48)
HUB_STUDIO_APPROVAL_LEAD_HOURS = env_int("HUB_STUDIO_APPROVAL_LEAD_HOURS", 2)
if HUB_STUDIO_HOLD_HOURS < 1 or HUB_STUDIO_APPROVAL_LEAD_HOURS < 0:
    raise ImproperlyConfigured(
        "HUB_STUDIO_HOLD_HOURS must be 1 or more and HUB_STUDIO_APPROVAL_LEAD_HOURS 0 or more."
    )

# --- media --- The nginx-rtmp media server (`manage.py mediaserver`): RTMP ingest, HLS, replays, lectures.
_public_host = urlsplit(HUB_PUBLIC_URL).hostname or "127.0.0.1"
HUB_MEDIA_NGINX = env_str("HUB_MEDIA_NGINX", "")  # empty: nginx on PATH or in /usr/sbin
HUB_MEDIA_RTMP_MODULE = env_str("HUB_MEDIA_RTMP_MODULE", "")  # empty: the distribution's ngx_rtmp_module.so
HUB_MEDIA_FFMPEG = env_str("HUB_MEDIA_FFMPEG", "ffmpeg")
HUB_MEDIA_FFPROBE = env_str("HUB_MEDIA_FFPROBE", "ffprobe")
HUB_MEDIA_DIR = Path(env_str("HUB_MEDIA_DIR", str(VAR_DIR / "mediaserver")))
HUB_MEDIA_HLS_DIR = Path(env_str("HUB_MEDIA_HLS_DIR", str(HUB_MEDIA_DIR / "hls")))
HUB_MEDIA_RECORD_DIR = Path(env_str("HUB_MEDIA_RECORD_DIR", str(HUB_MEDIA_DIR / "recordings")))
HUB_MEDIA_REPLAY_DIR = Path(env_str("HUB_MEDIA_REPLAY_DIR", str(HUB_MEDIA_DIR / "replays")))
HUB_MEDIA_RTMP_ADDRESS = env_str("HUB_MEDIA_RTMP_ADDRESS", "0.0.0.0")  # noqa: S104 (streamers push from anywhere)
HUB_MEDIA_RTMP_PORT = env_int("HUB_MEDIA_RTMP_PORT", 1935)
HUB_MEDIA_HTTP_ADDRESS = env_str("HUB_MEDIA_HTTP_ADDRESS", "127.0.0.1")
HUB_MEDIA_HTTP_PORT = env_int("HUB_MEDIA_HTTP_PORT", 8088)
# nginx-rtmp calls the hub over plain HTTP, straight to daphne (not through the public proxy).
HUB_MEDIA_CALLBACK_URL = env_str("HUB_MEDIA_CALLBACK_URL", f"http://127.0.0.1:{env_int('HUB_PORT', 8000)}")
# Shared by the hub and the media server's configuration; derived from the secret key unless given.
HUB_MEDIA_SECRET = (
    env_str("HUB_MEDIA_SECRET", "")
    or hmac.new(SECRET_KEY.encode(), b"hub-media-server", hashlib.sha256).hexdigest()
)
HUB_MEDIA_CALLBACK_ADDRESSES = env_list("HUB_MEDIA_CALLBACK_ADDRESSES", ["127.0.0.1", "::1"])
# What streamers type into OBS, and where the hub's own ffmpeg publishes recorded lectures.
HUB_MEDIA_RTMP_URL = env_str("HUB_MEDIA_RTMP_URL", f"rtmp://{_public_host}:{HUB_MEDIA_RTMP_PORT}/live")
HUB_MEDIA_PUBLISH_URL = env_str("HUB_MEDIA_PUBLISH_URL", f"rtmp://127.0.0.1:{HUB_MEDIA_RTMP_PORT}/live")
# Where browsers fetch HLS and replays: the media server's own port in development, a path of the
# public proxy in production (see README).
_media_http = f"http://{_public_host}:{HUB_MEDIA_HTTP_PORT}"
HUB_HLS_BASE_URL = env_str("HUB_HLS_BASE_URL", f"{_media_http}/hls/" if DEBUG else "/hls/")
HUB_MEDIA_REPLAY_BASE_URL = env_str(
    "HUB_MEDIA_REPLAY_BASE_URL", f"{_media_http}/replays/" if DEBUG else "/replays/"
)
HUB_MEDIA_CORS_ORIGIN = env_str("HUB_MEDIA_CORS_ORIGIN", "*")
HUB_MEDIA_KEY_EARLY_MINUTES = env_int("HUB_MEDIA_KEY_EARLY_MINUTES", 30)
HUB_MEDIA_UPDATE_SECONDS = env_int("HUB_MEDIA_UPDATE_SECONDS", 10)
HUB_MEDIA_END_GRACE_SECONDS = env_int("HUB_MEDIA_END_GRACE_SECONDS", 30)
HUB_MEDIA_LECTURE_MAX_MB = env_int("HUB_MEDIA_LECTURE_MAX_MB", 2048)
# How long a signed HLS or replay link works; the live room fetches a fresh one half way through.
HUB_MEDIA_LINK_SECONDS = env_int("HUB_MEDIA_LINK_SECONDS", 600)
# --- issue 15 (e15record): the host console's stream health reads nginx-rtmp's stat page; courseware uploads.
HUB_MEDIA_STAT_URL = env_str("HUB_MEDIA_STAT_URL", f"http://127.0.0.1:{HUB_MEDIA_HTTP_PORT}/stat")
HUB_COURSEWARE_MAX_MB = env_int("HUB_COURSEWARE_MAX_MB", 50)
if HUB_MEDIA_LINK_SECONDS < 30:
    raise ImproperlyConfigured("HUB_MEDIA_LINK_SECONDS must be 30 or more.")
# The callbacks answer over plain HTTP on the internal network; never redirect them to https.
SECURE_REDIRECT_EXEMPT = [r"^mediaserver/"]
# --- live rooms ---
# Live-room sockets refresh their presence this often; a person whose heartbeats stop for three times as
# long (a crashed server process, a lost network) no longer counts as present.
HUB_ROOM_HEARTBEAT_SECONDS = env_int("HUB_ROOM_HEARTBEAT_SECONDS", 10)
# Least time between two fan-out passes of a process: events arriving meanwhile share one frame per socket.
HUB_ROOM_FANOUT_INTERVAL_MS = env_int("HUB_ROOM_FANOUT_INTERVAL_MS", 40)
# For this long after connecting, a socket's events are checked against the history it was sent (a comment
# can be in both for a moment); after it, the room's ready-made frames are written to it as they are.
HUB_ROOM_SETTLE_SECONDS = env_int("HUB_ROOM_SETTLE_SECONDS", 10)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {"daphne": {"level": "WARNING"}},
}
