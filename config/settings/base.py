"""Settings shared by every environment; dev.py, test.py and production.py adjust them.

Every value that differs between machines comes from the environment (see .env.example).
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
import pghistory
from kombu import Exchange, Queue

from crm import dbconfig
from crm.schedules import beat_entry

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
DEBUG = env_bool("DJANGO_DEBUG")
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "django_htmx",
    "template_partials",
    "django_filters",
    "phonenumber_field",
    "axes",
    "csp",
    "pgtrigger",
    "pghistory",
    "crm",
    "leads",
    "gateway",
    "messaging",
    "tickets",
    "followups",
    "automation",
    "documents",
    "billing",
    "dashboards",
    "portal",
    "webhooks",
    # The project itself: its ready() creates the Celery app that every process sends tasks with.
    "config",
    "shell",
    "api",
    # django-ninja's templates and static files: the API docs page loads Swagger UI from here,
    # not from a CDN (the CSP allows only our own origin, and a server may have no internet).
    "ninja",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Pages compressed here (the lead list: 200 KB of HTML, 12 KB gzipped, about 1 ms of CPU):
    # most load balancers pass responses through as they are. After WhiteNoise, which answers
    # static files itself from the copies compressed at collectstatic.
    "django.middleware.gzip.GZipMiddleware",
    "config.middleware.RequestIdMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # After CSRF, which has parsed the posted form it checks (config/middleware.py says why).
    "config.middleware.ControlCharacterMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
    # Opens the request's transaction and sets the tenant in it (both walls); see crm/middleware.py.
    "crm.middleware.TenantMiddleware",
    # After it: a staff page speaks its reader's language (else the team's), which needs the
    # membership; anyone else gets their browser's (public pages and the portal choose their own).
    "crm.middleware.LanguageMiddleware",
    "pghistory.middleware.HistoryMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "shell.context_processors.shell",
            ],
            "builtins": ["crm.templatetags.local_dates"],
        },
    },
]

# Two connections to one database: the app role (RLS applies) and the table owner (migrations).
# The tenant middleware opens each request's transaction itself instead of ATOMIC_REQUESTS, because
# set_config(..., true) must run inside the same transaction as the view.
DATABASES = {
    "default": dj_database_url.parse(dbconfig.app_url(), conn_max_age=60, conn_health_checks=True),
    "owner": dj_database_url.parse(dbconfig.owner_url()),
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# The statements the app compiles once per process also run prepared on the server
# (crm.kit.statements.prepared_cursor); off only behind a pooler that cannot keep prepared
# statements (pgbouncer before 1.21, or without max_prepared_statements: docs/operations/index.md).
# psycopg prepares nothing while the connection's threshold is None (Django's default); with a
# threshold no statement reaches, only the ones run with prepare=True are.
DATABASE_PREPARED_STATEMENTS = env_bool("DATABASE_PREPARED_STATEMENTS", True)
if DATABASE_PREPARED_STATEMENTS:
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = 2**31 - 1

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "threadline",
        # A Redis host that stops answering (frozen, partitioned) fails a cache call in seconds
        # instead of holding the request, and with it a web process, forever.
        "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 3},
    }
}

AUTH_USER_MODEL = "crm.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "tenant-choose"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 2

# A working day; a rep who leaves a laptop open overnight signs in again.
SESSION_COOKIE_AGE = 60 * 60 * 12
# Every signed-in request reads its session: from Redis, with PostgreSQL as the record (a write
# goes to both; a cache miss reads the row and fills the cache). One statement fewer per request.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True  # htmx sends the token from hx-headers, not the cookie

AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=15)
# An account locks after the limit from any address (a guess spread over many addresses counts).
# Guessing many accounts from one address is limited per client in crm/auth.py rather than by an
# "ip_address" parameter here: axes has one failure limit for every parameter (5 wrong passwords
# would lock a whole office behind one address) and any successful sign-in from the address
# would clear its count, so a guesser with an account of their own could reset it at will.
AXES_LOCKOUT_PARAMETERS = ["username"]
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
# Count failures per email address whatever its case, on our login and the platform admin's.
AXES_USERNAME_CALLABLE = "crm.auth.lockout_username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# Every per-client limit (axes, crm/auth.py, the portal, the web form, the API) reads the client's
# address from crm.auth.client_address: REMOTE_ADDR, or past THREADLINE_PROXY_COUNT proxies in
# X-Forwarded-For (production sets it from AXES_PROXY_COUNT).
AXES_CLIENT_IP_CALLABLE = "crm.auth.client_address"
THREADLINE_PROXY_COUNT = 0

# The languages Threadline speaks (locale/<code>/LC_MESSAGES/django.po, compiled to .mo and
# committed: machines without gettext run it as it is). English is the default and the fallback.
# Who reads in which language: crm/kit/languages.py.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("nl", "Nederlands"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    # Customer files (ticket attachments): never under a URL the web server serves; a view checks
    # the tenant and hands them out.
    "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {
            "location": os.environ.get("PRIVATE_MEDIA_ROOT", str(BASE_DIR / ".data" / "private")),
            "base_url": None,
        },
    },
}

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Threadline <no-reply@threadline.test>")
ANYMAIL = {"REQUESTS_TIMEOUT": 10}

PHONENUMBER_DEFAULT_REGION = "US"
PHONENUMBER_DB_FORMAT = "E164"

# Content Security Policy: no inline script anywhere; htmx is served from our own origin.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

PGHISTORY_CONTEXT_FIELD = pghistory.ContextJSONField()
PGHISTORY_OBJ_FIELD = pghistory.ObjForeignKey(db_index=True)

# Celery: Redis broker; at-least-once delivery made safe by idempotent tasks.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", REDIS_URL)
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Without socket timeouts a publish to a Redis that stopped answering (its connection still open)
# waits forever: a webhook would never get its 2xx and every web process would end up stuck there.
# The socket timeout stays above the worker's 1 s BRPOP poll (docs/operations/reliability.md).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 60 * 60,
    # A Redis list per priority step; a priority between steps is served as the step below it.
    # The sweeps' tiers (crm.tenancy.sweeps: 0, PROMPT 3, BULK 6, FEW_MINUTES 8, HOUSEKEEPING 9).
    "priority_steps": [0, 3, 6, 8, 9],
    "socket_connect_timeout": 2,
    "socket_timeout": 3,
}
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Two queues (docs/operations/index.md, "Queues"). What a customer or a rep waits on goes to the
# messages queue, read by a worker of its own: the outbox's and the reminders' claims and their
# sends, outbound webhooks' claims and deliveries, inbound events. Everything else (the sweeps'
# bulk chunks, rollups, imports, notifications) goes to the default queue. Priorities order one
# queue but never preempt a running task: with one queue, a 5-second outbox round would wait
# behind worker processes busy with long per-tenant chunks. A worker started without -Q reads both queues (the one-worker set-up); the
# production workers take `-Q celery` and `-Q messages`.
CELERY_TASK_DEFAULT_QUEUE = "celery"
THREADLINE_MESSAGES_QUEUE = "messages"
THREADLINE_MESSAGES_TASKS = (
    "comms.tasks.dispatch_due_messages",
    "comms.tasks.send_message",
    "followups.tasks.dispatch_due_reminders",
    "followups.tasks.send_reminder",
    "webhooks.tasks.dispatch_due_webhooks",
    "webhooks.tasks.send_webhook",
    "tickets.tasks.process_inbound_event",
    # Payment providers' events: a customer waits on the page that shows the payment.
    "gateway.tasks.process_provider_event",
    # Staff's email and SMS copies of notifications: written here, not in the sweep that raised
    # the alerts (a thousand tenants' missed follow-ups held the default queue's workers), at the
    # sends' priority (below).
    "messaging.tasks.schedule_staff_copies",
    # The sandbox provider's delivery reports (`make dev`, the benchmarks), seconds after a send:
    # a real provider's come to the web as webhooks. On the default queue, a burst of 3,000 alert
    # copies' 6,000 reports took the sweeps' workers and the minute rounds expired.
    "messaging.tasks.sandbox_report",
)
# The sends queue behind the claims on the messages queue (Redis serves a queue's priority 0
# first; the claims and inbound events go at 0): a claim round never waits for the thousands of
# sends queued before it, only for the one a process is running (docs/operations/index.md, "Queues").
THREADLINE_MESSAGES_SENDS = (
    "comms.tasks.send_message",
    "followups.tasks.send_reminder",
    "webhooks.tasks.send_webhook",
    # Writes the sends of staff's copies: after an outage a thousand of them at the claims'
    # priority made the outbox's claims expire behind them.
    "messaging.tasks.schedule_staff_copies",
)
THREADLINE_SENDS_PRIORITY = 3
# A bulk message's send (messaging.models.BULK_SOURCES: the daily digests, a sequence's steps) goes
# behind those: a rep's reply or a customer's sign-in code claimed during the digest hour is sent
# next, not after the thousands of digests queued before it.
THREADLINE_BULK_SENDS_PRIORITY = 6


def celery_queues(*names: str) -> tuple[Queue, ...]:
    """Each queue with a direct exchange and routing key of its own name, as Celery makes its
    default one (a Queue without them would be bound to the default exchange and key, and a
    message for one queue would be delivered to both)."""
    return tuple(Queue(name, Exchange(name, type="direct"), routing_key=name) for name in names)


CELERY_TASK_QUEUES = celery_queues(CELERY_TASK_DEFAULT_QUEUE, THREADLINE_MESSAGES_QUEUE)
# The router reads THREADLINE_MESSAGES_TASKS; a sweep's tenant tasks follow their sweep's name.
CELERY_TASK_ROUTES = ("crm.tenancy.queues.route_task",)
# Keep a worker's database connection across tasks (Celery closes it after each by default, so
# every send would open a new one): about half again as many outbox sends per second. Safe with
# row-level security: the tenant setting lasts one transaction.
CELERY_DB_REUSE_MAX = 1000
# The dashboard keeps each section's figures this long (dashboards/figures.py; 0: count on every
# request); beat recounts the team's month, quarter and last 12 months a minute before they
# expire.
DASHBOARD_FIGURES_SECONDS = int(os.environ.get("DASHBOARD_FIGURES_SECONDS", 300))


# Each entry is due at fixed times of the clock (crm/schedules.py): each minute one at a second of
# its own, each few-minute one at a minute and second of its own, every hourly and daily one at a
# minute of its own in the second half of the hour (the daily digests leave in the first half:
# followups.services.digest), so their rounds of every tenant follow one another instead of all
# queueing at once. The minute sweeps are spread across the minute too (all sent at :00, the first
# ten seconds of each minute would be the slowest under load): the dashboard's four rollups over
# every tenant, the costly ones, a quarter of a minute apart, so a minute's rounds do not queue
# together.
# Its message expires when the next one is due, and the sweep fans out one task per tenant that
# expires then too (crm/tenancy/sweeps.py): a backlog is dropped, never piled up.
MINUTE = timedelta(minutes=1)
FIVE_MINUTES = timedelta(minutes=5)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


def _past(minutes: int, hours: int = 0, seconds: int = 0) -> timedelta:
    return timedelta(hours=hours, minutes=minutes, seconds=seconds)


def _second(seconds: int) -> timedelta:
    return timedelta(seconds=seconds)


CELERY_BEAT_SCHEDULE = {
    "keep-dashboard-figures-fresh": beat_entry(
        "dashboards.tasks.keep_figures_fresh",
        timedelta(seconds=max(60, DASHBOARD_FIGURES_SECONDS - 60)),
        _second(33),
    ),
    # The dashboard's stage conversion reads its days from a rollup, today's recounted every minute
    # (dashboards.services.rollups).
    "roll-up-stage-flow": beat_entry("dashboards.tasks.roll_up_stage_flow", MINUTE, _second(8)),
    # Its anomalies read finished days of calls and messages from one too (dashboards.services.rollups).
    "roll-up-activity": beat_entry("dashboards.tasks.roll_up_activity", HOUR, _past(34)),
    # The sources and lost reasons of any period are sums of its days and months
    # (dashboards.services.period_rollups); the days changed since the last run are counted live.
    "roll-up-periods": beat_entry("dashboards.tasks.roll_up_periods", MINUTE, _second(23)),
    # The team's follow-ups and SLA figures per day: the days that changed, every minute
    # (dashboards.services.team_rollup).
    "roll-up-team": beat_entry("dashboards.tasks.roll_up_team", MINUTE, _second(38)),
    # Open leads by colour and who is uncontacted, for the whole tenant (dashboards.services.moment).
    "count-dashboard-moment": beat_entry("dashboards.tasks.count_the_moment", MINUTE, _second(53)),
    "clear-expired-sessions": beat_entry(
        "crm.tasks.clear_expired_sessions", timedelta(hours=6), _past(32)
    ),
    "purge-read-notifications": beat_entry(
        "crm.tasks.purge_old_notifications", DAY, _past(36, hours=3)
    ),
    "alert-untouched-leads": beat_entry("leads.tasks.alert_untouched_leads", MINUTE, _second(15)),
    "refresh-lead-priorities": beat_entry(
        "leads.tasks.refresh_lead_priorities", FIVE_MINUTES, _past(2, seconds=42)
    ),
    "expire-quotes": beat_entry("leads.tasks.expire_quotes", HOUR, _past(38)),
    "purge-stale-lead-imports": beat_entry(
        "leads.tasks.purge_stale_lead_imports", DAY, _past(44, hours=3)
    ),
    # The inbox: events stored but not processed, and SLA clocks that ran out.
    "sweep-inbound-events": beat_entry("tickets.tasks.sweep_inbound_events", MINUTE, _second(45)),
    "sweep-sla-breaches": beat_entry("tickets.tasks.sweep_sla_breaches", MINUTE, _second(4)),
    # Invoices: overdue news and the reminders due today (billing.services.reminders).
    "sweep-invoice-reminders": beat_entry("billing.tasks.sweep_invoice_reminders", HOUR, _past(40)),
    # Online payments: provider events stored but not processed.
    "sweep-provider-events": beat_entry("gateway.tasks.sweep_provider_events", MINUTE, _second(34)),
    # The outbox: due messages are claimed every few seconds (no Celery ETAs anywhere).
    "dispatch-due-messages": beat_entry("comms.tasks.dispatch_due_messages", timedelta(seconds=5)),
    # Outbound webhooks: due deliveries claimed like the outbox's (webhooks.services.deliveries).
    "dispatch-due-webhooks": beat_entry(
        "webhooks.tasks.dispatch_due_webhooks", timedelta(seconds=5)
    ),
    "purge-old-webhook-deliveries": beat_entry(
        "webhooks.tasks.purge_old_deliveries", HOUR, _past(54)
    ),
    # The API: Idempotency-Keys past their 24 hours (a claim clears only its own API key's).
    "purge-expired-idempotency-keys": beat_entry(
        "api.tasks.purge_expired_idempotency_keys", HOUR, _past(58)
    ),
    "sweep-time-triggers": beat_entry("automation.tasks.sweep_time_triggers", MINUTE, _second(30)),
    "sweep-follow-ups": beat_entry("automation.tasks.sweep_follow_ups", MINUTE, _second(49)),
    "sweep-customer-updates": beat_entry(
        "automation.tasks.sweep_customer_updates", FIVE_MINUTES, _past(1, seconds=27)
    ),
    # Follow-ups: due reminders claimed and sent once, follow-ups past their time marked missed,
    # recurring series materialised ahead.
    "dispatch-due-reminders": beat_entry(
        "followups.tasks.dispatch_due_reminders", timedelta(seconds=15)
    ),
    "sweep-missed-follow-ups": beat_entry(
        "followups.tasks.sweep_missed_follow_ups", MINUTE, _second(0)
    ),
    "extend-follow-up-series": beat_entry(
        "followups.tasks.extend_follow_up_series", HOUR, _past(42)
    ),
    # Neglected customers flagged (and cleared, and escalated) hourly; the daily digest checks
    # every 5 minutes whose 07:00 and team's minute past it (crm.models.digest_minute) it is in
    # their own time zone.
    "sweep-neglected-leads": beat_entry("followups.tasks.sweep_neglected_leads", HOUR, _past(30)),
    "send-daily-digests": beat_entry(
        "followups.tasks.send_daily_digests", FIVE_MINUTES, _second(57)
    ),
    # Sequences: the enrolments with a step due run it and move on.
    "sweep-sequences": beat_entry("automation.tasks.sweep_sequences", MINUTE, _second(19)),
    # The portal: sign-in links and codes a day past their expiry are deleted.
    "purge-portal-sign-in-challenges": beat_entry(
        "portal.tasks.purge_sign_in_challenges", HOUR, _past(50)
    ),
    # The portal: reminders for unfinished "Getting started" checklists (at most one per
    # customer every few days; the outbox applies consent and quiet hours).
    "send-portal-onboarding-reminders": beat_entry(
        "portal.tasks.send_onboarding_reminders", HOUR, _past(46)
    ),
}

# Logging: readable lines in dev, one JSON object per line in production (LOG_FORMAT=json).
LOG_FORMAT = os.environ.get("LOG_FORMAT", "text")
LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_context": {"()": "crm.logging.RequestContextFilter"}},
    "formatters": {
        "text": {
            "format": "%(asctime)s %(levelname)-7s %(name)s [req=%(request_id)s tenant=%(tenant)s "
            "user=%(user)s] %(message)s"
        },
        "json": {"()": "crm.logging.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_context"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.db.backends": {"level": "INFO"},
        "pgserver": {"level": "WARNING"},
    },
}

SENTRY_DSN = os.environ.get("SENTRY_DSN", "")
if SENTRY_DSN:
    import sentry_sdk

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        environment=os.environ.get("SENTRY_ENVIRONMENT", "production"),
        traces_sample_rate=float(os.environ.get("SENTRY_TRACES_SAMPLE_RATE", "0")),
        send_default_pii=False,
    )

# Outbound webhooks may go to http://localhost / 127.0.0.1 (a receiver on the developer's machine,
# the tests' server) only when this is on; production leaves it off (webhooks/targets.py).
WEBHOOKS_ALLOW_LOCAL_TARGETS = env_bool("WEBHOOKS_ALLOW_LOCAL_TARGETS", DEBUG)
WEBHOOKS_TIMEOUT_SECONDS = int(os.environ.get("WEBHOOKS_TIMEOUT_SECONDS", 10))
THREADLINE_SITE_URL = os.environ.get("THREADLINE_SITE_URL", "http://127.0.0.1:8000")
# Requests one API key may make per window: (requests, seconds); past it, 429 with Retry-After.
THREADLINE_API_RATE_LIMIT = (
    int(os.environ.get("THREADLINE_API_RATE_LIMIT", "600")),
    60,
)
# Requests with a key that opens nothing (unknown, revoked, malformed) one client address may send
# per window: (failures, seconds); past it, every request from there with a key gets 429. The
# address is crm.auth.client_address's (past the proxies in production).
THREADLINE_API_FAILED_AUTH_LIMIT = (
    int(os.environ.get("THREADLINE_API_FAILED_AUTH_LIMIT", "20")),
    60,
)
THREADLINE_EVENT_SUBSCRIBERS = "config.events.SUBSCRIBERS"  # who hears what, in order

# Messaging (messaging/): where outbound messages go. The sandbox records them (readable at
# /settings/outbox/) instead of sending; production sends email through EMAIL_BACKEND (anymail and
# an ESP) and SMS/WhatsApp through Twilio.
COMMS_SANDBOX = env_bool("COMMS_SANDBOX", False)
# The sandbox reports delivery, opens and now and then a bounce, as providers' webhooks would
# (messaging/sandbox.py): every COMMS_SANDBOX_BOUNCE_EVERY-th address bucket bounces (0: none).
COMMS_SANDBOX_REPORTS = env_bool("COMMS_SANDBOX_REPORTS", True)
COMMS_SANDBOX_BOUNCE_EVERY = int(os.environ.get("COMMS_SANDBOX_BOUNCE_EVERY", "20"))
THREADLINE_MAIL_DOMAIN = os.environ.get("THREADLINE_MAIL_DOMAIN", "threadline.test")
# Secrets kept encrypted at rest (crm/kit/encryption.py): comma-separated Fernet keys, the first
# encrypts and every one decrypts (rotation: docs/operations). Empty: development and tests derive
# a key from SECRET_KEY; production refuses to start (config/settings/production.py).
FIELD_ENCRYPTION_KEYS = os.environ.get("FIELD_ENCRYPTION_KEYS", "")
# Online payments (gateway/): a tenant may use the sandbox provider (a local page imitating a
# hosted checkout, whose events go through the Stripe webhook's own path) only when this is on:
# development and tests, never production.
PAYMENTS_SANDBOX = env_bool("PAYMENTS_SANDBOX", False)
# Stripe's webhook: how old a signed event may be (seconds), and how many posts one account's
# webhook URL takes per minute before answering 429 (Stripe retries those).
PAYMENTS_WEBHOOK_TOLERANCE_SECONDS = 300
PAYMENTS_WEBHOOK_RATE_LIMIT = int(os.environ.get("PAYMENTS_WEBHOOK_RATE_LIMIT", "600"))

# Mailbox providers many businesses share: an inbox address there (a forwarding gmail address)
# is one tenant's, but the domain is never claimed by one (tickets.services.configuration). Our own mail
# domain is shared too. More can be added, comma-separated, in THREADLINE_SHARED_MAIL_DOMAINS.
_PUBLIC_MAIL_DOMAINS = (
    "aol.com", "att.net", "btinternet.com", "comcast.net", "fastmail.com", "free.fr",
    "gmail.com", "gmx.com", "gmx.de", "gmx.net", "googlemail.com", "hey.com",
    "hotmail.co.uk", "hotmail.com", "hotmail.fr", "icloud.com", "laposte.net", "live.com",
    "mac.com", "mail.com", "mail.ru", "me.com", "msn.com", "orange.fr", "outlook.com",
    "pm.me", "proton.me", "protonmail.com", "qq.com", "sbcglobal.net", "t-online.de",
    "tutanota.com", "verizon.net", "web.de", "yahoo.co.uk", "yahoo.com", "yahoo.fr",
    "yandex.com", "yandex.ru", "ymail.com", "zoho.com", "163.com", "126.com",
)  # fmt: skip
THREADLINE_SHARED_MAIL_DOMAINS = frozenset(
    {
        THREADLINE_MAIL_DOMAIN.lower(),
        *_PUBLIC_MAIL_DOMAINS,
        *(
            d.strip().lower()
            for d in os.environ.get("THREADLINE_SHARED_MAIL_DOMAINS", "").split(",")
        ),
    }
    - {""}
)
TWILIO_ACCOUNT_SID = os.environ.get("TWILIO_ACCOUNT_SID", "")
TWILIO_AUTH_TOKEN = os.environ.get("TWILIO_AUTH_TOKEN", "")

# The inbox (tickets/): inbound email and texts. Larger attachments are left in the raw message
# (kept on the inbound event) and named on the thread instead of stored as files.
# Inbound email. The largest messages the supported ESPs deliver: Postmark up to 35 MB of
# attachments, Amazon SES 150 KB through SNS (larger ones arrive by S3, which anymail fetches),
# SendGrid's Inbound Parse and Mailgun's routes some tens of MB. A post carries the message base64'd
# and, with Postmark's raw-email option, twice. The post is read from the socket to a temporary
# file in chunks (Django's 2.5 MB DATA_UPLOAD_MAX_MEMORY_SIZE stays for every other view); only
# one within the limit is then handed whole to anymail's parser, which needs it in memory. A
# message over the first limit, or a post over the second, keeps only its headers and is shown
# as too large.
INBOUND_EMAIL_MAX_MESSAGE_BYTES = int(
    os.environ.get("INBOUND_EMAIL_MAX_MESSAGE_BYTES", 40 * 1024 * 1024)
)
INBOUND_EMAIL_MAX_POST_BYTES = int(
    os.environ.get("INBOUND_EMAIL_MAX_POST_BYTES", 120 * 1024 * 1024)
)
# Twilio's media are fetched into private storage up to this size each: Twilio delivers MMS of up
# to 5 MB and WhatsApp media of up to 16 MB. A larger one stays a link held by Twilio.
TWILIO_MEDIA_MAX_BYTES = int(os.environ.get("TWILIO_MEDIA_MAX_BYTES", 16 * 1024 * 1024))
# How much of a too-large post is read for its headers.
INBOUND_EMAIL_HEAD_BYTES = 256 * 1024
TICKET_MAX_ATTACHMENT_BYTES = int(os.environ.get("TICKET_MAX_ATTACHMENT_BYTES", 20 * 1024 * 1024))

# Documents (documents/): the largest file staff or a customer may upload; a larger one is refused
# with a message and nothing is stored.
DOCUMENT_MAX_UPLOAD_BYTES = int(os.environ.get("DOCUMENT_MAX_UPLOAD_BYTES", 20 * 1024 * 1024))
