"""Standard Webhooks signatures (https://www.standardwebhooks.com): the receiver recomputes
HMAC-SHA256 over "{webhook-id}.{webhook-timestamp}.{body}" with the secret's bytes (the base64
after `whsec_`) and compares it with the `v1,` signature in the `webhook-signature` header."""

import base64
import hashlib
import hmac

from webhooks.models import SECRET_PREFIX


def secret_bytes(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX))


def signature(*, secret: str, webhook_id: str, timestamp: int, body: str) -> str:
    signed = f"{webhook_id}.{timestamp}.{body}".encode()
    digest = hmac.new(secret_bytes(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def headers(*, secret: str, webhook_id: str, timestamp: int, body: str) -> dict[str, str]:
    return {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature(
            secret=secret, webhook_id=webhook_id, timestamp=timestamp, body=body
        ),
    }
