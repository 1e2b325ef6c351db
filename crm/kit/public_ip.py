"""Whether the server may connect to an IP address on a user's behalf (the one SSRF check).

A URL a tenant enters (a webhook endpoint) or one a provider's answer leads to (a redirect) must
reach the public internet, never this server, its private network, link-local space (the cloud
metadata service at 169.254.169.254) or any other special-purpose block.

The verdict comes from the IANA IPv4 and IPv6 Special-Purpose Address Registries (below, the most
specific entry wins), not from `ipaddress.is_global`, which calls the IPv6 forms of internal IPv4
addresses (::10.0.0.1, ::ffff:0:127.0.0.1, 2002:a00:1::, 64:ff9b::a9fe:a9fe) and site-local
fec0::/10 global, and changes between Python releases. IPv6 is public only inside 2000::/3, the
one block IANA hands out for global unicast (fec0::/10, ::/96 and the other reserved space fall
outside it). Where an IPv6 address carries an IPv4 one the connection ends up at (NAT64, 6to4,
Teredo's server and client), that IPv4 address must be public too.
"""

import ipaddress
import socket
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

import requests
import urllib3
from urllib3.exceptions import NewConnectionError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class Reach(Enum):
    GLOBAL = "global"  # the registry's "Globally Reachable: True"
    LOCAL = "local"  # "False", or a deprecated block
    EMBEDDED = "embedded"  # decided by the IPv4 address the IPv6 one carries


@dataclass(frozen=True)
class Block:
    network: ipaddress.IPv4Network | ipaddress.IPv6Network
    name: str
    reach: Reach


def _block(network: str, name: str, reach: Reach) -> Block:
    return Block(ipaddress.ip_network(network), name, reach)


G, L, E = Reach.GLOBAL, Reach.LOCAL, Reach.EMBEDDED

# The IANA IPv4 Special-Purpose Address Registry, then multicast (RFC 5771).
IPV4_BLOCKS = (
    _block("0.0.0.0/8", '"This network"', L),
    _block("10.0.0.0/8", "Private-Use", L),
    _block("100.64.0.0/10", "Shared Address Space", L),
    _block("127.0.0.0/8", "Loopback", L),
    _block("169.254.0.0/16", "Link Local", L),
    _block("172.16.0.0/12", "Private-Use", L),
    _block("192.0.0.0/24", "IETF Protocol Assignments", L),
    _block("192.0.0.0/29", "IPv4 Service Continuity Prefix", L),
    _block("192.0.0.8/32", "IPv4 dummy address", L),
    _block("192.0.0.9/32", "Port Control Protocol Anycast", G),
    _block("192.0.0.10/32", "Traversal Using Relays around NAT Anycast", G),
    _block("192.0.0.170/32", "NAT64/DNS64 Discovery", L),
    _block("192.0.0.171/32", "NAT64/DNS64 Discovery", L),
    _block("192.0.2.0/24", "Documentation (TEST-NET-1)", L),
    _block("192.31.196.0/24", "AS112-v4", G),
    _block("192.52.193.0/24", "AMT", G),
    _block("192.88.99.0/24", "Deprecated (6to4 Relay Anycast)", L),
    _block("192.88.99.2/32", "6a44-relay anycast address", L),
    _block("192.168.0.0/16", "Private-Use", L),
    _block("192.175.48.0/24", "Direct Delegation AS112 Service", G),
    _block("198.18.0.0/15", "Benchmarking", L),
    _block("198.51.100.0/24", "Documentation (TEST-NET-2)", L),
    _block("203.0.113.0/24", "Documentation (TEST-NET-3)", L),
    _block("240.0.0.0/4", "Reserved", L),
    _block("255.255.255.255/32", "Limited Broadcast", L),
    _block("224.0.0.0/4", "Multicast", L),
)

# The IANA IPv6 Special-Purpose Address Registry, then the forms the registry no longer lists
# (RFC 4291's IPv4-compatible, RFC 2765's IPv4-translated, RFC 3879's site-local) and multicast.
IPV6_BLOCKS = (
    _block("::1/128", "Loopback Address", L),
    _block("::/128", "Unspecified Address", L),
    _block("::ffff:0:0/96", "IPv4-mapped Address", L),
    _block("64:ff9b::/96", "IPv4-IPv6 Translation", E),
    _block("64:ff9b:1::/48", "IPv4-IPv6 Translation (local use)", L),
    _block("100::/64", "Discard-Only Address Block", L),
    _block("100:0:0:1::/64", "Dummy IPv6 Prefix", L),
    _block("2001::/23", "IETF Protocol Assignments", L),
    _block("2001::/32", "TEREDO", E),
    _block("2001:1::1/128", "Port Control Protocol Anycast", G),
    _block("2001:1::2/128", "Traversal Using Relays around NAT Anycast", G),
    _block("2001:1::3/128", "DNS-SD Service Registration Protocol Anycast", G),
    _block("2001:2::/48", "Benchmarking", L),
    _block("2001:3::/32", "AMT", G),
    _block("2001:4:112::/48", "AS112-v6", G),
    _block("2001:10::/28", "Deprecated (previously ORCHID)", L),
    _block("2001:20::/28", "ORCHIDv2", G),
    _block("2001:30::/28", "Drone Remote ID Protocol Entity Tags (DETs) Prefix", G),
    _block("2001:db8::/32", "Documentation", L),
    _block("2002::/16", "6to4", E),
    _block("2620:4f:8000::/48", "Direct Delegation AS112 Service", G),
    _block("3fff::/20", "Documentation", L),
    _block("5f00::/16", "Segment Routing (SRv6) SIDs", L),
    _block("fc00::/7", "Unique-Local", L),
    _block("fe80::/10", "Link-Local Unicast", L),
    _block("::/96", "IPv4-compatible Address (deprecated)", L),
    _block("::ffff:0:0:0/96", "IPv4-translated Address", L),
    _block("fec0::/10", "Site-Local (deprecated)", L),
    _block("ff00::/8", "Multicast", L),
)

GLOBAL_UNICAST = ipaddress.ip_network("2000::/3")


def _most_specific(address: IPAddress) -> Block | None:
    blocks = IPV4_BLOCKS if address.version == 4 else IPV6_BLOCKS
    matches = [block for block in blocks if address in block.network]
    return max(matches, key=lambda block: block.network.prefixlen, default=None)


def embedded_ipv4(address: IPAddress) -> tuple[ipaddress.IPv4Address, ...]:
    """The IPv4 addresses an IPv6 one carries (and a connection to it reaches): mapped,
    compatible and translated forms, NAT64, 6to4, and Teredo's server and (de-obfuscated)
    client. Empty for an IPv4 address or a plain IPv6 one."""
    if address.version == 4:
        return ()
    if address.teredo is not None:
        return address.teredo
    if address.sixtofour is not None:
        return (address.sixtofour,)
    low = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    for prefix in ("::ffff:0:0/96", "::ffff:0:0:0/96", "::/96", "64:ff9b::/96", "64:ff9b:1::/48"):
        if address in ipaddress.ip_network(prefix):
            return (low,)
    return ()


def is_public(address: IPAddress | str) -> bool:
    """True when the server may connect to `address` for a user: a globally reachable unicast
    address, and so is every IPv4 address it embeds."""
    if isinstance(address, str):
        address = ipaddress.ip_address(address.split("%")[0])
    block = _most_specific(address)
    if block is not None and block.reach is Reach.LOCAL:
        return False
    if block is None and address.version == 6 and address not in GLOBAL_UNICAST:
        return False
    return all(is_public(inner) for inner in embedded_ipv4(address))


def special_purpose(address: IPAddress | str) -> str:
    """The name of the most specific special-purpose block `address` is in, or ""."""
    if isinstance(address, str):
        address = ipaddress.ip_address(address.split("%")[0])
    block = _most_specific(address)
    return block.name if block is not None else ""


class NotPublic(Exception):
    """A host resolved to nothing, or to an address the server may not connect to."""

    def __init__(self, host: str, address: str = ""):
        super().__init__(host, address)
        self.host = host
        self.address = address


def resolve_public(host: str, port: int) -> list[str]:
    """Every address `host` resolves to, provided all are public (one private answer among
    public ones refuses the host: a resolver may hand out either). NotPublic otherwise."""
    try:
        answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise NotPublic(host) from error
    addresses = [str(answer[4][0]) for answer in answers]
    if not addresses:
        raise NotPublic(host)
    for address in addresses:
        if not is_public(address):
            raise NotPublic(host, address)
    return addresses


if TYPE_CHECKING:
    _ConnectionMixin = urllib3.connection.HTTPConnection
else:
    _ConnectionMixin = object


class _PublicOnly(_ConnectionMixin):
    """A urllib3 connection that refuses to stay connected to a non-public peer: the check runs
    on the address actually connected to, so a redirect or a DNS answer changed after a check
    cannot lead inside."""

    def _new_conn(self):
        sock = super()._new_conn()
        peer = sock.getpeername()[0]
        if not is_public(peer):
            sock.close()
            raise NewConnectionError(self, f"{self.host} is at {peer}, not a public address")
        return sock


class _PublicHTTPConnection(_PublicOnly, urllib3.connection.HTTPConnection):
    pass


class _PublicHTTPSConnection(_PublicOnly, urllib3.connection.HTTPSConnection):
    pass


class _PublicHTTPPool(urllib3.HTTPConnectionPool):
    ConnectionCls = _PublicHTTPConnection


class _PublicHTTPSPool(urllib3.HTTPSConnectionPool):
    ConnectionCls = _PublicHTTPSConnection


class PublicOnlyAdapter(requests.adapters.HTTPAdapter):
    """requests' adapter that connects only to public addresses (each hop of a redirect too)."""

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": _PublicHTTPPool,
            "https": _PublicHTTPSPool,
        }


def public_only_session() -> requests.Session:
    """A requests session for URLs the platform does not choose itself (a provider's redirect):
    every connection it opens goes to a public address or fails."""
    session = requests.Session()
    session.trust_env = False  # no proxy from the environment: the peer checked is the server
    adapter = PublicOnlyAdapter()
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session
