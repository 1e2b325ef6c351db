"""Mail domains compared as the mail system sees them, and the addresses kept for the platform.

Acme.COM, acme.com. and the Unicode and xn-- spellings of an international domain are one domain:
`domain_canonical` gives its one form (lower case, no trailing dot, IDNA's ASCII). The platform's
own mail domain (THREADLINE_MAIL_DOMAIN, with its subdomains) sends our no-reply mail and takes
the reply+TOKEN@ answers to ticket emails, so no tenant receives or sends as an address there;
and no tenant takes a reply+… address anywhere, which would pass for one of ours.
"""

import contextlib

from django.conf import settings

REPLY_PREFIX = "reply+"


def domain_canonical(domain: str) -> str:
    """The one spelling of a domain: lower case, no trailing dot, IDNA's ASCII (xn--) form."""
    domain = domain.strip().lower()
    with contextlib.suppress(UnicodeError):  # not a valid IDN: compared as written
        domain = domain.encode("idna").decode("ascii")
    return domain.rstrip(".")


def domain_within(domain: str, parent: str) -> bool:
    """`domain` is `parent` or one of its subdomains (both canonical)."""
    return domain == parent or domain.endswith("." + parent)


def platform_mail_domain() -> str:
    return domain_canonical(settings.THREADLINE_MAIL_DOMAIN)


def is_platform_domain(domain: str) -> bool:
    """The platform's mail domain or one of its subdomains, however spelled."""
    return domain_within(domain_canonical(domain), platform_mail_domain())


def is_platform_address(address: str) -> bool:
    """An address kept for the platform: any on its mail domain (no-reply@, support@,
    postmaster@, reply+…@), and a reply+… address on any domain."""
    local, _at, domain = address.strip().rpartition("@")
    return is_platform_domain(domain) or local.lower().startswith(REPLY_PREFIX)
