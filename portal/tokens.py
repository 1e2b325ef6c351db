"""The secrets of sign-in links and codes, and the keyed hashes stored in their place.

A link token is "<tenant id>.<random>": the tenant id says which tenant's rows to look in (row-level
security needs it before any lookup), the random part is the secret. A code is six digits; its
hash also covers the browser nonce of the session that asked for it, so it works only there.
Both hashes are HMACs under the site's SECRET_KEY.
"""

import secrets
from dataclasses import dataclass

from django.utils.crypto import salted_hmac

LINK_SALT = "portal.sign-in-link"
CODE_SALT = "portal.sign-in-code"
CODE_DIGITS = 6


@dataclass(frozen=True)
class LinkToken:
    tenant_id: int
    secret: str

    def __str__(self) -> str:
        return f"{self.tenant_id}.{self.secret}"


def new_link_token(tenant_id: int) -> LinkToken:
    return LinkToken(tenant_id, secrets.token_urlsafe(32))


def parse_link_token(token: str) -> LinkToken | None:
    tenant_part, _, secret = token.partition(".")
    if not tenant_part.isdigit() or len(secret) < 32:
        return None
    return LinkToken(int(tenant_part), secret)


def link_hash(token: LinkToken) -> str:
    return salted_hmac(LINK_SALT, str(token), algorithm="sha256").hexdigest()


def new_code() -> str:
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def code_hash(code: str, browser_nonce: str) -> str:
    return salted_hmac(CODE_SALT, f"{browser_nonce}:{code}", algorithm="sha256").hexdigest()


def new_browser_nonce() -> str:
    return secrets.token_urlsafe(16)
