"""Every page sends a Content-Security-Policy without 'unsafe-inline', and renders nothing that
such a policy blocks: no inline <script> without a nonce, no <style> block, no on*= handler, no
style="…" attribute, no javascript: URL, no htmx hx-on (it evaluates code, which the policy and
htmx-config forbid).

The pages come from the resolver (tests/security/test_url_isolation.py walks the same list), opened
with GET by each staff role, a portal customer and an anonymous visitor, with the ids of one
world's objects and real tokens for the public pages; once as a full page and once as the htmx
fragment the same URL answers to HX-Request, since htmx swaps fragments into a page under the
same policy.
"""

from html.parser import HTMLParser

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.urls import get_resolver, reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from crm.models import Role
from leads.capture_links import capture_form_token
from leads.quote_links import quote_public_token
from leads.services.quotes import quote_send
from messaging.links import unsubscribe_token
from messaging.models import MessageSource
from tests.conftest import sign_in
from tests.portal.helpers import deliver, link_path, portal_sign_in, sent_messages
from tests.security.test_url_isolation import (
    EXCLUDED_NAMESPACES,
    OBJECT_KWARGS,
    _capture_form,
    _kwarg_names,
    _quote,
    _walk,
    portal_pages,
)

pytestmark = pytest.mark.django_db

# Provider callbacks that no browser opens (anymail's views for every ESP; several refuse to start
# without that ESP's credentials). Twilio's are walked: they refuse GET.
WEBHOOK_NAMESPACES = {"comms-public:anymail"}
# Directives that would let inline code run; none may appear in the policy.
FORBIDDEN_SOURCES = ("'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'")
# Script types a browser does not execute (json_script data islands), so CSP does not apply.
DATA_SCRIPT_TYPES = {"application/json", "application/ld+json"}


class InlineCodeFinder(HTMLParser):
    """Collects what a policy without 'unsafe-inline' would block in one HTML document."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.blocked: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.blocked.append(f"<{tag} {name}=…> (inline event handler)")
            elif name.startswith("hx-on"):
                self.blocked.append(f"<{tag} {name}=…> (htmx evaluates it as code)")
            elif name == "style":
                self.blocked.append(f'<{tag} style="{value}">')
            elif (value or "").strip().lower().startswith("javascript:"):
                self.blocked.append(f"<{tag} {name}={value!r}>")
        inline_code = not {"src", "nonce"} & attributes.keys()
        data_only = (attributes.get("type") or "").lower() in DATA_SCRIPT_TYPES
        if tag == "script" and inline_code and not data_only:
            self.blocked.append("<script> with inline code")
        if tag == "style" and "nonce" not in attributes:
            self.blocked.append("<style> block")

    handle_startendtag = handle_starttag


def policy_problems(response) -> list[str]:
    policy = response.headers.get("Content-Security-Policy")
    if policy is None:
        return ["no Content-Security-Policy header"]
    directives = {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}
    problems = []
    for directive in ("script-src", "style-src"):
        sources = directives.get(directive, directives.get("default-src"))
        if sources is None:
            problems.append(f"neither {directive} nor default-src: anything may run")
        elif forbidden := [source for source in sources if source in FORBIDDEN_SOURCES]:
            problems.append(f"{directive} allows {' '.join(forbidden)}")
    return problems


def page_problems(response) -> list[str]:
    if not response.get("Content-Type", "").startswith("text/html"):
        return []
    problems = policy_problems(response)
    finder = InlineCodeFinder()
    finder.feed(response.content.decode())
    finder.close()
    return problems + finder.blocked


def _token(world, name: str) -> str:
    """A real token for the public pages; any other token route gets one it refuses, so its error
    page is checked."""
    if name.startswith("public:quote"):
        quote = _quote(world)
        if quote.status == "draft":
            with world.active():
                quote = quote_send(tenant=world.tenant, actor=world.admin.user, quote=quote)
            world.quote = quote
        return quote_public_token(quote)
    if name == "public:lead-form":
        return capture_form_token(_capture_form(world))
    if name == "comms-public:unsubscribe":
        return unsubscribe_token(
            tenant_id=world.tenant.pk, contact_id=world.contact.pk, channel="email"
        )
    return "not-a-token"


def _kwarg(world, name: str, kwarg: str):
    if kwarg in OBJECT_KWARGS:
        return OBJECT_KWARGS[kwarg](world)
    if kwarg == "section":
        return "aging"
    if kwarg == "uidb64":
        return urlsafe_base64_encode(force_bytes(world.rep.user.pk))
    if kwarg == "token" and name == "password_reset_confirm":
        return default_token_generator.make_token(world.rep.user)
    return _token(world, name)


def pages(*, portal: bool) -> list[tuple[str, list[str]]]:
    """(url name, keywords) of the staff and public pages, or of the portal customer's pages."""
    customer_pages = portal_pages()
    found = []
    for namespace, pattern in _walk(get_resolver()):
        if namespace.split(":")[0] in EXCLUDED_NAMESPACES or namespace in WEBHOOK_NAMESPACES:
            continue
        name = f"{namespace}:{pattern.name}" if namespace else pattern.name
        is_portal = name in customer_pages or namespace == "portal"
        if is_portal == portal:
            found.append((name, _kwarg_names(pattern)))
    return found


def walk(client, world, routes) -> tuple[dict[str, list[str]], set[str]]:
    """GET every route as a page and as an htmx fragment: (problems by URL, names that rendered
    an HTML page)."""
    problems: dict[str, list[str]] = {}
    rendered: set[str] = set()
    for name, kwargs in routes:
        url = reverse(name, kwargs={kwarg: _kwarg(world, name, kwarg) for kwarg in kwargs})
        response = client.get(url)
        if found := page_problems(response):
            problems[url] = sorted(set(found))
        if response.status_code == 200 and "text/html" in response.get("Content-Type", ""):
            rendered.add(name)
            # The fragment of a page that opened (others answer htmx as they answered the page).
            if found := page_problems(client.get(url, headers={"HX-Request": "true"})):
                problems[f"{url} (htmx)"] = sorted(set(found))
    return problems, rendered


def test_the_checker_finds_what_the_policy_would_block():
    finder = InlineCodeFinder()
    finder.feed(
        '<script>alert(1)</script><script src="/static/js/htmx.min.js"></script>'
        '<script type="application/json">{"a": 1}</script><div style="color:red"></div>'
        '<button onclick="go()"></button><a href=" JavaScript:go()">x</a><style>p{}</style>'
        '<form hx-on::after-request="go()"></form><svg><rect style="fill:red"/></svg>'
    )
    assert finder.blocked == [
        "<script> with inline code",
        '<div style="color:red">',
        "<button onclick=…> (inline event handler)",
        "<a href=' JavaScript:go()'>",
        "<style> block",
        "<form hx-on::after-request=…> (htmx evaluates it as code)",
        '<rect style="fill:red">',
    ]


@pytest.mark.parametrize("role", [Role.ADMIN, Role.MANAGER, Role.REP])
def test_every_staff_page_runs_under_a_strict_policy(client, world, role):
    sign_in(client, world.membership(role))

    problems, rendered = walk(client, world, pages(portal=False))

    assert problems == {}
    assert {"leads:list", "leads:detail", "contacts:detail", "tickets:detail"} <= rendered
    if role != Role.REP:
        assert "dashboards:home" in rendered
    if role == Role.ADMIN:
        assert {"settings:team", "comms-settings:templates", "lead-settings:pipelines"} <= rendered


def test_every_portal_page_runs_under_a_strict_policy(client, world):
    portal_sign_in(client, world.tenant, world.contact)

    problems, rendered = walk(client, world, pages(portal=True))

    assert problems == {}
    assert {"portal:home", "portal:job", "portal:preferences", "portal:erasure"} <= rendered


def test_every_page_an_anonymous_visitor_opens_runs_under_a_strict_policy(client, world):
    problems, rendered = walk(client, world, pages(portal=False) + pages(portal=True))
    # The portal's sign-in link page, and the password reset form a reset link leads to.
    with world.active():
        email = world.contact.emails.get().email
    client.post(reverse("portal:sign-in"), {"address": email})
    deliver(world.tenant)
    (message,) = sent_messages(world.tenant, source=MessageSource.PORTAL_SIGN_IN)
    link_page = client.get(link_path(message))
    reset_uid = urlsafe_base64_encode(force_bytes(world.rep.user.pk))
    reset_token = default_token_generator.make_token(world.rep.user)
    reset_page = client.get(
        reverse("password_reset_confirm", args=[reset_uid, reset_token]), follow=True
    )

    for response in (link_page, reset_page):
        assert response.status_code == 200
        assert page_problems(response) == []
    assert problems == {}
    assert {
        "login",
        "password_reset",
        "portal:sign-in",
        "public:quote",
        "public:lead-form",
        "comms-public:unsubscribe",
    } <= rendered
    assert b"new password" in reset_page.content.lower()
