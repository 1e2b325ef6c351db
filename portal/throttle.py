"""Limits on what a customer may ask the portal to send or to check: per address (no
mail-bombing a customer, no guessing a code sent to them), per customer and per client. The
sign-in pages count whether or not the address is known, so a refusal reveals nothing."""

import datetime as dt
import hashlib

from crm.ratelimit import hits, over_limit
from portal.addresses import SignInAddress

WINDOW = dt.timedelta(minutes=15)
REQUESTS_PER_ADDRESS = 5
REQUESTS_PER_CLIENT = 20
# Each code also refuses after a few wrong tries (portal.services.MAX_CODE_ATTEMPTS).
CODE_TRIES_PER_CLIENT = 20
# Across the codes sent to one number, whichever browsers asked for them.
CODE_TRIES_PER_ADDRESS = 10
LINK_OPENS_PER_CLIENT = 30

# The "Getting started" codes that prove a new email or mobile. Counted across codes: a new code
# brings no new guesses, and changing the address being proved restarts no count.
VERIFY_WINDOW = dt.timedelta(hours=1)
VERIFY_RESEND_AFTER = dt.timedelta(seconds=60)
VERIFY_SENDS_PER_CUSTOMER = 5
VERIFY_SENDS_PER_ADDRESS = 3
VERIFY_SENDS_PER_CLIENT = 10
VERIFY_TRIES_PER_CUSTOMER = 10
VERIFY_TRIES_PER_ADDRESS = 10
VERIFY_TRIES_PER_CLIENT = 20

# Why a verification code may not go now.
WAIT = "wait"  # one went to this address a moment ago
LIMITED = "limited"  # too many in the window


def _digest(value: str) -> str:
    # The cache holds a digest, not the customer's address.
    return hashlib.sha256(value.encode()).hexdigest()[:32]


def address_key(address: SignInAddress, kind: str = "sign-in") -> str:
    return f"portal:{kind}:address:{_digest(address.value)}"


def client_key(kind: str, client_ip: str) -> str:
    return f"portal:{kind}:client:{client_ip}"


def verify_key(kind: str, *, customer: str = "", address: str = "") -> str:
    """The counter of `kind` ("send", "try", "wait") for a customer_ref, an address or both."""
    parts = [customer] if customer else []
    if address:
        parts.append(_digest(address))
    return f"portal:verify:{kind}:" + ":".join(parts)


def customer_ref(tenant_id: int, contact_id: int) -> str:
    return f"customer:{tenant_id}:{contact_id}"


def sign_in_request_refused(*, address: SignInAddress, client_ip: str) -> bool:
    per_address = over_limit(address_key(address), REQUESTS_PER_ADDRESS, WINDOW)
    per_client = over_limit(client_key("sign-in", client_ip), REQUESTS_PER_CLIENT, WINDOW)
    return per_address or per_client


def code_try_refused(*, client_ip: str, address: SignInAddress | None) -> bool:
    per_client = over_limit(client_key("code", client_ip), CODE_TRIES_PER_CLIENT, WINDOW)
    per_address = address is not None and over_limit(
        address_key(address, "code"), CODE_TRIES_PER_ADDRESS, WINDOW
    )
    return per_client or per_address


def link_open_refused(*, client_ip: str) -> bool:
    return over_limit(client_key("link", client_ip), LINK_OPENS_PER_CLIENT, WINDOW)


def verification_send_refusal(*, customer: str, address: str, client_ip: str) -> str | None:
    """WAIT, LIMITED or None; a send let through is counted per customer, per address (whoever
    asks for it) and per client."""
    wait = verify_key("wait", customer=customer, address=address)
    if hits(wait):
        return WAIT
    counted = [
        over_limit(verify_key("send", customer=customer), VERIFY_SENDS_PER_CUSTOMER, VERIFY_WINDOW),
        over_limit(verify_key("send", address=address), VERIFY_SENDS_PER_ADDRESS, VERIFY_WINDOW),
        over_limit(client_key("verify-send", client_ip), VERIFY_SENDS_PER_CLIENT, VERIFY_WINDOW),
    ]
    if any(counted):
        return LIMITED
    over_limit(wait, 1, VERIFY_RESEND_AFTER)
    return None


def verification_try_refused(*, customer: str, address: str, client_ip: str) -> bool:
    """Count one entered code per customer, per address and per client; True past any limit
    (the right code included: it could be the lucky guess)."""
    counted = [
        over_limit(verify_key("try", customer=customer), VERIFY_TRIES_PER_CUSTOMER, VERIFY_WINDOW),
        over_limit(verify_key("try", address=address), VERIFY_TRIES_PER_ADDRESS, VERIFY_WINDOW),
        over_limit(client_key("verify-try", client_ip), VERIFY_TRIES_PER_CLIENT, VERIFY_WINDOW),
    ]
    return any(counted)
