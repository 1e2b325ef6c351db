"""The one check of where the server may connect on a user's behalf (crm.kit.public_ip), against
the IANA IPv4 and IPv6 Special-Purpose Address Registries, entry by entry (issue 56).

Each row: the registry's entry, an address in it that no more specific entry covers, and whether
the server may connect there. "Globally Reachable: True" entries (anycast services) are public;
"False" and deprecated ones are not; where an IPv6 address carries an IPv4 one the connection ends
up at (NAT64, 6to4, Teredo), that IPv4 address decides. The IPv4-compatible, IPv4-translated and
site-local forms the registry no longer lists, multicast, and IPv6 outside 2000::/3 are refused.
"""

import ipaddress
import socket

import pytest
import requests

from crm.kit.public_ip import NotPublic, is_public, public_only_session, resolve_public
from tests.internal_server import serving_internally

IPV4_REGISTRY = [
    ("0.0.0.0/8", "0.0.0.0", False),  # noqa: S104
    ("0.0.0.0/8", "0.255.255.255", False),
    ("10.0.0.0/8", "10.0.0.1", False),
    ("10.0.0.0/8", "10.255.255.255", False),
    ("100.64.0.0/10", "100.64.0.1", False),
    ("100.64.0.0/10", "100.127.255.254", False),
    ("127.0.0.0/8", "127.0.0.1", False),
    ("127.0.0.0/8", "127.255.255.254", False),
    ("169.254.0.0/16", "169.254.169.254", False),
    ("169.254.0.0/16", "169.254.0.1", False),
    ("172.16.0.0/12", "172.16.0.1", False),
    ("172.16.0.0/12", "172.31.255.254", False),
    ("192.0.0.0/24", "192.0.0.200", False),
    ("192.0.0.0/24", "192.0.0.255", False),
    ("192.0.0.0/29", "192.0.0.1", False),
    ("192.0.0.8/32", "192.0.0.8", False),
    ("192.0.0.9/32", "192.0.0.9", True),
    ("192.0.0.10/32", "192.0.0.10", True),
    ("192.0.0.170/32", "192.0.0.170", False),
    ("192.0.0.171/32", "192.0.0.171", False),
    ("192.0.2.0/24", "192.0.2.1", False),
    ("192.31.196.0/24", "192.31.196.1", True),
    ("192.52.193.0/24", "192.52.193.1", True),
    ("192.88.99.0/24", "192.88.99.1", False),
    ("192.88.99.2/32", "192.88.99.2", False),
    ("192.168.0.0/16", "192.168.1.10", False),
    ("192.168.0.0/16", "192.168.255.255", False),
    ("192.175.48.0/24", "192.175.48.1", True),
    ("198.18.0.0/15", "198.18.0.1", False),
    ("198.18.0.0/15", "198.19.255.254", False),
    ("198.51.100.0/24", "198.51.100.7", False),
    ("203.0.113.0/24", "203.0.113.7", False),
    ("240.0.0.0/4", "240.0.0.1", False),
    ("240.0.0.0/4", "254.255.255.254", False),
    ("255.255.255.255/32", "255.255.255.255", False),
    ("224.0.0.0/4 (multicast)", "224.0.0.1", False),
    ("224.0.0.0/4 (multicast)", "239.255.255.250", False),
    # Just outside the blocks, and ordinary public addresses.
    ("public", "9.255.255.255", True),
    ("public", "11.0.0.1", True),
    ("public", "100.63.255.255", True),
    ("public", "100.128.0.1", True),
    ("public", "126.255.255.255", True),
    ("public", "128.0.0.1", True),
    ("public", "169.253.255.255", True),
    ("public", "172.15.255.255", True),
    ("public", "172.32.0.1", True),
    ("public", "192.0.1.1", True),
    ("public", "192.167.255.255", True),
    ("public", "192.169.0.1", True),
    ("public", "198.17.255.255", True),
    ("public", "198.20.0.1", True),
    ("public", "223.255.255.255", True),
    ("public", "8.8.8.8", True),
]


def _teredo(server: str, client: str) -> str:
    """A Teredo address (RFC 4380): 2001::/32, the server's IPv4, flags and port, then the
    client's IPv4 with every bit flipped."""
    value = (
        (0x20010000 << 96)
        | (int(ipaddress.IPv4Address(server)) << 64)
        | (0x8000 << 48)
        | (0x63BF << 32)
        | (int(ipaddress.IPv4Address(client)) ^ 0xFFFFFFFF)
    )
    return str(ipaddress.IPv6Address(value))


IPV6_REGISTRY = [
    ("::1/128", "::1", False),
    ("::/128", "::", False),
    ("::ffff:0:0/96", "::ffff:127.0.0.1", False),
    ("::ffff:0:0/96", "::ffff:8.8.8.8", False),
    ("64:ff9b::/96", "64:ff9b::8.8.8.8", True),
    ("64:ff9b::/96", "64:ff9b::127.0.0.1", False),
    ("64:ff9b::/96", "64:ff9b::10.0.0.1", False),
    ("64:ff9b::/96", "64:ff9b::169.254.169.254", False),
    ("64:ff9b:1::/48", "64:ff9b:1::8.8.8.8", False),
    ("100::/64", "100::1", False),
    ("100:0:0:1::/64", "100:0:0:1::1", False),
    ("2001::/23", "2001:100::1", False),
    ("2001::/23", "2001:1ff:ffff::1", False),
    ("2001::/32 Teredo", _teredo("65.54.227.120", "8.8.8.8"), True),
    ("2001::/32 Teredo", _teredo("65.54.227.120", "10.0.0.1"), False),
    ("2001::/32 Teredo", _teredo("65.54.227.120", "127.0.0.1"), False),
    ("2001::/32 Teredo", _teredo("10.0.0.1", "8.8.8.8"), False),
    ("2001:1::1/128", "2001:1::1", True),
    ("2001:1::2/128", "2001:1::2", True),
    ("2001:1::3/128", "2001:1::3", True),
    ("2001::/23 (beside 2001:1::1-3)", "2001:1::4", False),
    ("2001:2::/48", "2001:2::1", False),
    ("2001:3::/32", "2001:3::1", True),
    ("2001:4:112::/48", "2001:4:112::1", True),
    ("2001::/23 (beside 2001:4:112::/48)", "2001:4:113::1", False),
    ("2001:10::/28", "2001:10::1", False),
    ("2001:20::/28", "2001:20::1", True),
    ("2001:30::/28", "2001:30::1", True),
    ("2001:db8::/32", "2001:db8::1", False),
    ("2002::/16 6to4", "2002:808:808::1", True),
    ("2002::/16 6to4", "2002:7f00:1::1", False),
    ("2002::/16 6to4", "2002:a00:1::1", False),
    ("2002::/16 6to4", "2002:a9fe:a9fe::", False),
    ("2002::/16 6to4", "2002:c0a8:10a::1", False),
    ("2620:4f:8000::/48", "2620:4f:8000::1", True),
    ("3fff::/20", "3fff::1", False),
    ("3fff::/20", "3fff:fff:ffff::1", False),
    ("5f00::/16", "5f00::1", False),
    ("fc00::/7", "fc00::1", False),
    ("fc00::/7", "fd12:3456::1", False),
    ("fe80::/10", "fe80::1", False),
    ("fe80::/10", "fe80::1%eth0", False),
    ("fe80::/10", "febf::1", False),
    ("fec0::/10 (deprecated site-local)", "fec0::1", False),
    ("fec0::/10 (deprecated site-local)", "feff::1", False),
    ("::/96 (IPv4-compatible)", "::127.0.0.1", False),
    ("::/96 (IPv4-compatible)", "::8.8.8.8", False),
    ("::ffff:0:0:0/96 (IPv4-translated)", "::ffff:0:127.0.0.1", False),
    ("::ffff:0:0:0/96 (IPv4-translated)", "::ffff:0:8.8.8.8", False),
    ("ff00::/8 (multicast)", "ff02::1", False),
    ("outside 2000::/3", "4000::1", False),
    ("outside 2000::/3", "e000::1", False),
    ("public", "2001:200::1", True),
    ("public", "2001:4860:4860::8888", True),
    ("public", "2606:4700:4700::1111", True),
    ("public", "2a00:1450:4001::1", True),
]


@pytest.mark.parametrize(
    ("entry", "address", "public"),
    IPV4_REGISTRY + IPV6_REGISTRY,
    ids=[f"{entry} {address}" for entry, address, _ in IPV4_REGISTRY + IPV6_REGISTRY],
)
def test_each_special_purpose_block_gets_the_registrys_verdict(entry, address, public):
    assert is_public(address) is public
    assert is_public(ipaddress.ip_address(address.split("%")[0])) is public


NOT_PUBLIC_IPV4 = sorted({address for _, address, public in IPV4_REGISTRY if not public})


def _wrapped(address: str) -> dict[str, str]:
    """Every IPv6 form a connection to `address` can take."""
    value = int(ipaddress.IPv4Address(address))
    six = ipaddress.IPv6Address
    return {
        "IPv4-mapped": str(six((0xFFFF << 32) | value)),
        "IPv4-compatible": str(six(value)),
        "IPv4-translated": str(six((0xFFFF << 48) | value)),
        "NAT64": str(six((0x64FF9B << 96) | value)),
        "NAT64 local": str(six((0x64FF9B0001 << 80) | value)),
        "6to4": str(six((0x2002 << 112) | (value << 80) | 1)),
        "Teredo client": _teredo("65.54.227.120", address),
        "Teredo server": _teredo(address, "8.8.8.8"),
    }


@pytest.mark.parametrize("address", NOT_PUBLIC_IPV4)
def test_no_ipv6_form_of_an_address_that_is_not_public_is_public(address):
    refused = {form: wrapped for form, wrapped in _wrapped(address).items() if is_public(wrapped)}
    assert refused == {}


def test_the_nat64_and_6to4_forms_of_a_public_address_are_public():
    forms = _wrapped("8.8.8.8")
    assert is_public(forms["NAT64"]) and is_public(forms["6to4"])
    assert is_public(forms["Teredo client"]) and is_public(forms["Teredo server"])


def _resolver(*addresses: str):
    def getaddrinfo(host, port, *args, **kwargs):
        return [
            (socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port))
            for a in addresses
        ]

    return getaddrinfo


@pytest.mark.parametrize(
    "answers",
    [
        ("64:ff9b::a9fe:a9fe",),
        ("2002:7f00:1::1",),
        ("::ffff:0:a00:1",),
        ("::a00:1",),
        ("fec0::1",),
        ("93.184.215.14", "fd00::1"),  # one private answer among public ones
    ],
)
def test_a_host_resolving_to_an_ipv6_form_of_an_internal_address_is_refused(monkeypatch, answers):
    monkeypatch.setattr(socket, "getaddrinfo", _resolver(*answers))
    with pytest.raises(NotPublic) as refused:
        resolve_public("hooks.example.com", 443)
    assert refused.value.address in answers


def test_a_host_resolving_to_public_addresses_only_is_accepted(monkeypatch):
    monkeypatch.setattr(socket, "getaddrinfo", _resolver("93.184.215.14", "2606:2800:21f::1"))
    assert resolve_public("hooks.example.com", 443) == ["93.184.215.14", "2606:2800:21f::1"]


@pytest.mark.parametrize("host", ["2130706433", "0x7f.1", "0177.0.0.1", "127.1"])
def test_numeric_spellings_of_loopback_are_refused_when_resolved(host):
    """Python's ipaddress does not read these as addresses; the resolver does."""
    with pytest.raises(NotPublic):
        resolve_public(host, 443)


@pytest.fixture
def internal_server():
    with serving_internally() as server:
        yield server


def test_the_public_only_session_does_not_talk_to_an_internal_address(internal_server):
    url, hits = internal_server
    assert requests.get(url + "/", timeout=5).text == "secret"  # the server answers others
    hits.clear()
    with pytest.raises(requests.ConnectionError, match="not a public address"):
        public_only_session().get(url + "/latest/meta-data/", timeout=5)
    assert hits == []
