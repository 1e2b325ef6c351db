"""Where a webhook may go: the URL an admin enters, and the address it resolves to when sent.

An endpoint is an HTTPS URL without credentials in it. The address it resolves to at send time
must be a public one (crm.kit.public_ip, the platform's one check): never loopback, a private
network, link-local (the cloud metadata service at 169.254.169.254), shared or reserved space, nor
an IPv6 form of one, so a subscription cannot make the server call into its own network (SSRF).
The connection then goes to exactly that checked address (no second lookup a DNS answer could
change in between), and a redirect is never followed.

WEBHOOKS_ALLOW_LOCAL_TARGETS (on with DEBUG, in development and in the tests) lifts both rules for
http://localhost, http://127.0.0.1 and http://[::1] only, so a receiver on the developer's machine
or the tests' own HTTP server can be subscribed. Production leaves it off.
"""

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from crm.kit.public_ip import NotPublic, is_public, resolve_public

LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str  # with the query string


def local_targets_allowed() -> bool:
    return bool(getattr(settings, "WEBHOOKS_ALLOW_LOCAL_TARGETS", False))


def target_of(url: str) -> Target:
    """The parts of an endpoint URL, or a ValidationError saying what is wrong with it."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as error:
        raise ValidationError(_("This is not a valid URL.")) from error
    host = (parts.hostname or "").lower()
    if not host:
        raise ValidationError(_("This is not a valid URL."))
    if parts.username is not None or parts.password is not None:
        raise ValidationError(
            _("Leave credentials out of the URL: every delivery is signed with the secret.")
        )
    local = host in LOCAL_HOSTS and local_targets_allowed()
    if parts.scheme != "https" and not (parts.scheme == "http" and local):
        raise ValidationError(_("The URL must start with https://."))
    if not local:
        literal = _ip_literal(host)
        if (
            host in LOCAL_HOSTS
            or host.endswith(".localhost")
            or (literal is not None and not is_public(literal))
        ):
            raise ValidationError(
                _("The URL must reach a public address, not this server or a private network.")
            )
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Target(
        scheme=parts.scheme,
        host=host,
        port=port or (443 if parts.scheme == "https" else 80),
        path=path,
    )


def url_check(url: str) -> str:
    """The URL if an endpoint may have it (the form's check), else a ValidationError."""
    target_of(url)
    return url.strip()


def _ip_literal(host: str):
    """The address a host names by itself: a literal, or a spelling the resolver reads as IPv4
    without asking DNS (2130706433, 0x7f.1, 127.1)."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    try:
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except OSError:
        return None


class UnsafeTarget(Exception):
    """The host resolved to an address a webhook may not reach (or to nothing)."""


def resolve(target: Target) -> str:
    """The address to connect to: the first the host resolves to, provided every address it
    resolves to is public (crm.kit.public_ip: a host with one private answer among public ones is
    refused)."""
    if local_targets_allowed() and target.host in LOCAL_HOSTS:
        return resolve_local(target)
    try:
        return resolve_public(target.host, target.port)[0]
    except NotPublic as refused:
        if not refused.address:
            raise UnsafeTarget(
                _("%(host)s could not be resolved") % {"host": target.host}
            ) from refused
        raise UnsafeTarget(
            _("%(host)s resolves to %(address)s, which is not a public address")
            % {"host": target.host, "address": refused.address}
        ) from refused


def resolve_local(target: Target) -> str:
    """This machine's address for localhost (development and the tests only)."""
    try:
        answers = socket.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise UnsafeTarget(_("%(host)s could not be resolved") % {"host": target.host}) from error
    if not answers:
        raise UnsafeTarget(_("%(host)s could not be resolved") % {"host": target.host})
    return answers[0][4][0]
