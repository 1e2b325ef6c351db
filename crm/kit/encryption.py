"""Secrets kept encrypted at rest (a payment provider's secret key, its webhook signing secret).

Fernet (AES-128-CBC with an HMAC-SHA256, from `cryptography`) under the keys of the
FIELD_ENCRYPTION_KEYS setting: comma-separated Fernet keys, the first encrypts, every one
decrypts (MultiFernet), so a key is rotated by putting a new one first, re-encrypting what is
stored (`manage.py secrets_reencrypt`, which runs what each app registered with
`reencryption_register`) and then dropping the old one. Development and tests derive one key from SECRET_KEY when the setting is empty;
production refuses to start without it (config/settings/production.py).

The models keep the ciphertext in a text field named `*_encrypted`; a service encrypts what a
person typed and the code that calls the provider decrypts it at the moment of the call, so a
plain secret is never a model attribute that a log line, an audit row or a template could show.
"""

import base64
import hashlib
from collections.abc import Callable
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class SecretUnreadable(Exception):
    """A stored secret that none of the configured keys decrypts (a key dropped too early)."""


def key_derived_from(secret_key: str) -> str:
    """The Fernet key of development and tests: stable for a SECRET_KEY, useless without it."""
    digest = hashlib.sha256(f"threadline-field-encryption:{secret_key}".encode()).digest()
    return base64.urlsafe_b64encode(digest).decode()


def configured_keys() -> tuple[str, ...]:
    """FIELD_ENCRYPTION_KEYS as a tuple, first key first; else the key derived from SECRET_KEY."""
    value = getattr(settings, "FIELD_ENCRYPTION_KEYS", "") or ""
    keys = tuple(key.strip() for key in value.split(",") if key.strip())
    return keys or (key_derived_from(settings.SECRET_KEY),)


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except ValueError as error:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS: each key must be 32 url-safe base64-encoded bytes "
            "(Fernet.generate_key())."
        ) from error


def encrypt(plain: str) -> str:
    """The ciphertext of `plain` under the first key; an empty secret stays empty."""
    if not plain:
        return ""
    return _fernet(configured_keys()).encrypt(plain.encode()).decode()


def decrypt(token: str) -> str:
    """The secret behind a ciphertext `encrypt` made with any configured key."""
    if not token:
        return ""
    try:
        return _fernet(configured_keys()).decrypt(token.encode()).decode()
    except InvalidToken as error:
        raise SecretUnreadable("no configured encryption key reads this secret") from error


def reencrypt(token: str) -> str:
    """The same secret under the first key (MultiFernet.rotate): a rotation's second step."""
    if not token:
        return ""
    try:
        return _fernet(configured_keys()).rotate(token.encode()).decode()
    except InvalidToken as error:
        raise SecretUnreadable("no configured encryption key reads this secret") from error


def key_check(value: str) -> None:
    """Raise ImproperlyConfigured unless `value` is a non-empty list of valid Fernet keys."""
    keys = tuple(key.strip() for key in value.split(",") if key.strip())
    if not keys:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS must name at least one key.")
    _fernet(keys)


# Each app that stores secrets registers, at start-up, what re-encrypts them: (what, function
# returning how many records it re-encrypted). crm names no app above it.
_reencryptions: list[tuple[str, Callable[[], int]]] = []


def reencryption_register(what: str, reencrypt_all: Callable[[], int]) -> None:
    if all(name != what for name, _function in _reencryptions):
        _reencryptions.append((what, reencrypt_all))


def reencryptions() -> tuple[tuple[str, Callable[[], int]], ...]:
    return tuple(_reencryptions)
