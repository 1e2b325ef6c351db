"""Local development (`make dev`): DEBUG on, readable logs, mail printed to the console."""

import os

from .base import *  # noqa: F403
from .base import env_bool

DEBUG = env_bool("DJANGO_DEBUG", True)
WEBHOOKS_ALLOW_LOCAL_TARGETS = env_bool("WEBHOOKS_ALLOW_LOCAL_TARGETS", DEBUG)
SECRET_KEY = SECRET_KEY or "dev-only-insecure-key-never-used-in-production"  # noqa: F405
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405

# Serve static files straight from static/ without collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
COMMS_SANDBOX = env_bool("COMMS_SANDBOX", True)
# The payments sandbox: the demo's tenants pay, fail and refund without a Stripe account.
PAYMENTS_SANDBOX = env_bool("PAYMENTS_SANDBOX", True)

# Anymail's webhooks (inbound mail and delivery tracking) authenticate with basic auth; the demo's
# secret is published in docs/guides/rep.md so a person can try the Postmark inbound webhook with curl.
ANYMAIL = ANYMAIL | {  # noqa: F405
    "WEBHOOK_SECRET": os.environ.get("ANYMAIL_WEBHOOK_SECRET", "demo:demo-webhook-secret")
}
