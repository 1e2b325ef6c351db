"""Production: everything secret or host-specific comes from the environment (see .env.example)."""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env_bool

if not SECRET_KEY:  # noqa: F405
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set in production.")

DEBUG = False
# The payments sandbox takes no real money: never in production, whatever the environment says.
PAYMENTS_SANDBOX = False
# Secrets stored encrypted (crm/kit/encryption.py) need keys of their own, not SECRET_KEY's.
if not FIELD_ENCRYPTION_KEYS:  # noqa: F405
    raise ImproperlyConfigured(
        "FIELD_ENCRYPTION_KEYS must be set in production: comma-separated Fernet keys, the first "
        "encrypts (python -c 'from cryptography.fernet import Fernet; "
        "print(Fernet.generate_key().decode())')."
    )
# Outbound webhooks never reach this machine or a private network in production (webhooks/targets.py).
WEBHOOKS_ALLOW_LOCAL_TARGETS = False
LOG_FORMAT = os.environ.get("LOG_FORMAT", "json")
LOGGING["handlers"]["console"]["formatter"] = LOG_FORMAT  # noqa: F405

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Behind a load balancer REMOTE_ADDR is the proxy: limit by the client's address instead, taken
# from X-Forwarded-For past the number of proxies we run (a client cannot spoof those hops;
# crm.auth.client_address).
THREADLINE_PROXY_COUNT = int(os.environ.get("AXES_PROXY_COUNT", "1"))
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_SECURE_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
# Secure-only cookies, named so that a browser refuses them from plain http. DJANGO_SECURE_COOKIES=false
# is for a local machine without TLS (docker-compose.yml on http://localhost): the plain names, since
# a browser drops a __Secure- cookie that is not Secure.
SECURE_COOKIES = env_bool("DJANGO_SECURE_COOKIES", True)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
if SECURE_COOKIES:
    SESSION_COOKIE_NAME = "__Secure-sessionid"
    CSRF_COOKIE_NAME = "__Secure-csrftoken"

if os.environ.get("ANYMAIL_ESP"):
    # e.g. ANYMAIL_ESP=mailgun -> anymail.backends.mailgun.EmailBackend; credentials in ANYMAIL_*.
    EMAIL_BACKEND = f"anymail.backends.{os.environ['ANYMAIL_ESP']}.EmailBackend"
    ANYMAIL = ANYMAIL | {  # noqa: F405
        key.removeprefix("ANYMAIL_"): value
        for key, value in os.environ.items()
        if key.startswith("ANYMAIL_") and key != "ANYMAIL_ESP"
    }
    if not ANYMAIL.get("WEBHOOK_SECRET"):
        # anymail would only warn, and accept forged bounces and complaints from anyone.
        raise ImproperlyConfigured(
            "ANYMAIL_WEBHOOK_SECRET (user:password) must be set: it authenticates the ESP's "
            "delivery and inbound webhooks."
        )
