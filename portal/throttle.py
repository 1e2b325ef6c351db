"""Limits on the public sign-in pages: per address (no mail-bombing a customer) and per client
(no guessing). Counted whether or not the address is known, so a refusal reveals nothing."""

import datetime as dt
import hashlib

from crm.ratelimit import over_limit
from portal.addresses import SignInAddress

WINDOW = dt.timedelta(minutes=15)
REQUESTS_PER_ADDRESS = 5
REQUESTS_PER_CLIENT = 20
# Each code also refuses after a few wrong tries (portal.services.MAX_CODE_ATTEMPTS).
CODE_TRIES_PER_CLIENT = 20
LINK_OPENS_PER_CLIENT = 30


def address_key(address: SignInAddress) -> str:
    # The cache holds a digest, not the customer's address.
    digest = hashlib.sha256(address.value.encode()).hexdigest()[:32]
    return f"portal:sign-in:address:{digest}"


def client_key(kind: str, client_ip: str) -> str:
    return f"portal:{kind}:client:{client_ip}"


def sign_in_request_refused(*, address: SignInAddress, client_ip: str) -> bool:
    per_address = over_limit(address_key(address), REQUESTS_PER_ADDRESS, WINDOW)
    per_client = over_limit(client_key("sign-in", client_ip), REQUESTS_PER_CLIENT, WINDOW)
    return per_address or per_client


def code_try_refused(*, client_ip: str) -> bool:
    return over_limit(client_key("code", client_ip), CODE_TRIES_PER_CLIENT, WINDOW)


def link_open_refused(*, client_ip: str) -> bool:
    return over_limit(client_key("link", client_ip), LINK_OPENS_PER_CLIENT, WINDOW)
