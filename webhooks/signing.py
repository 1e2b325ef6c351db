"""Standard Webhooks signatures (https://www.standardwebhooks.com): the receiver recomputes
HMAC-SHA256 over "{webhook-id}.{webhook-timestamp}.{body}" with the secret's bytes (the base64
after `whsec_`) and compares it with the `v1,` signatures in the `webhook-signature` header.
The header may carry several, separated by spaces: for a while after a rotation a delivery is
signed with the new secret and the old one, and a receiver that knows either accepts it."""

import base64
import hashlib
import hmac
from collections.abc import Sequence

from webhooks.models import SECRET_PREFIX


def secret_bytes(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX))


def signature(*, secret: str, webhook_id: str, timestamp: int, body: str) -> str:
    signed = f"{webhook_id}.{timestamp}.{body}".encode()
    digest = hmac.new(secret_bytes(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def headers(
    *, secrets: Sequence[str], webhook_id: str, timestamp: int, body: str
) -> dict[str, str]:
    """The Standard Webhooks headers, with one signature per secret (the current one first)."""
    return {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(
            signature(secret=secret, webhook_id=webhook_id, timestamp=timestamp, body=body)
            for secret in secrets
        ),
    }
