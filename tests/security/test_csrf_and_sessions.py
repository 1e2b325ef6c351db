"""CSRF on every state-changing URL, the few that authenticate requests another way, and session
fixation on both sign-ins.

The URL list comes from the resolver, as in tests/security/test_url_isolation.py: a new URL is
covered the day it is added, and a new csrf_exempt view fails here until it is allow-listed below
with the credential that replaces the CSRF token. Staff lockout (django-axes) is tested in
tests/crm/test_accounts.py (TestLockout); the portal's sign-in limits in tests/portal/test_sign_in.py.
"""

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client
from django.urls import NoReverseMatch, URLPattern, get_resolver, reverse

from crm.models import Role
from leads.capture_links import capture_form_token
from leads.models import Lead
from portal.sessions import cookie_name
from tests.conftest import sign_in
from tests.factories import TEST_PASSWORD
from tests.portal.helpers import deliver, link_path, portal_sign_in, sent_messages
from tests.security.test_content_security_policy import page_problems
from tests.security.test_url_isolation import _capture_form, _walk
from tickets.models import InboundEvent

pytestmark = pytest.mark.django_db

# URL names (or a namespace ending in ":") that are exempt from the CSRF check, and what
# authenticates their requests instead. Each of these refuses an unsigned request (tested below).
CSRF_EXEMPT = {
    "comms-public:anymail:": "the ESPs' delivery and inbound webhooks (anymail): HTTP basic auth "
    "with ANYMAIL_WEBHOOK_SECRET (production refuses to start without it), and the ESP's own "
    "signature where it has one",
    "tickets-public:twilio-inbound": "Twilio's inbound webhook: X-Twilio-Signature over the URL and "
    "the body, with the account's auth token",
    "tickets-public:twilio-status": "Twilio's delivery callbacks: X-Twilio-Signature, as above",
    "comms-public:unsubscribe": "one-click unsubscribe (RFC 8058): mail clients POST without a "
    "session; the signed token in the URL names the tenant, contact and channel",
    "api-v1:": "the REST API's operations: a bearer API key in the Authorization header, which no "
    "browser sends on its own (the API never reads the session cookie); without one, 401",
    "gateway-public:stripe-webhook": "Stripe's webhook: the Stripe-Signature over the body, with "
    "the signing secret of the account the URL's token names (tests/gateway/test_webhooks.py)",
    "public:lead-form": "the web form embedded on the business's own site, where the browser sends "
    "no cookie to our frame: the signed form token in the URL, a signed, dated submission token in "
    "the form, a honeypot and a per-client rate limit",
}

UNSAFE_METHODS = ("post", "put", "patch", "delete")
CSRF_REFUSAL = "This form has expired"  # templates/403_csrf.html


def _exempt_reason(name: str) -> str | None:
    for key, reason in CSRF_EXEMPT.items():
        if name == key or (key.endswith(":") and name.startswith(key)):
            return reason
    return None


def _routes() -> list[tuple[str, URLPattern]]:
    return [
        (f"{namespace}:{pattern.name}" if namespace else pattern.name, pattern)
        for namespace, pattern in _walk(get_resolver())
    ]


def _any_url(name: str, pattern: URLPattern) -> str:
    """A URL of the route with placeholder values: the CSRF check runs before the view looks at
    them."""
    placeholders = {"app_label": "crm", "section": "aging"}
    names = pattern.pattern.regex.groupindex  # route patterns compile to named groups too
    kwargs = {kwarg: placeholders.get(kwarg, "1") for kwarg in names}
    return reverse(name, kwargs=kwargs)


def test_the_csrf_exempt_views_are_exactly_the_allow_list():
    exempt = {
        name for name, pattern in _routes() if getattr(pattern.callback, "csrf_exempt", False)
    }

    assert {name for name in exempt if _exempt_reason(name) is None} == set(), (
        "A csrf_exempt view must be allow-listed in CSRF_EXEMPT with what authenticates it"
    )
    for key in CSRF_EXEMPT:
        assert any(name == key or name.startswith(key) for name in exempt), f"{key} is stale"


def test_every_other_url_refuses_a_state_changing_request_without_a_token(world):
    client = Client(enforce_csrf_checks=True)
    sign_in(client, world.admin)
    portal_sign_in(client, world.tenant, world.contact)
    answered = {}
    routes = [(name, pattern) for name, pattern in _routes() if not _exempt_reason(name)]

    # One request a route, the unsafe methods taking turns: the check is per view, not per method.
    for number, (name, pattern) in enumerate(routes):
        url = _any_url(name, pattern)
        method = UNSAFE_METHODS[number % len(UNSAFE_METHODS)]
        response = getattr(client, method)(url)
        if response.status_code != 403 or CSRF_REFUSAL not in response.content.decode():
            answered[f"{method.upper()} {url}"] = response.status_code

    assert answered == {}
    assert len(routes) > 200
    assert page_problems(response) == []  # the refusal page itself is CSP-clean


def test_a_request_with_the_token_gets_past_the_check(world):
    """The control: the same client with the token reaches the view, so the refusals above are
    the CSRF check's."""
    client = Client(enforce_csrf_checks=True)
    sign_in(client, world.admin)
    client.get(reverse("leads:list"))
    token = client.cookies[settings.CSRF_COOKIE_NAME].value

    response = client.post(reverse("notifications:read-all"), headers={"X-CSRFToken": token})

    assert response.status_code in (200, 302)


def test_each_exempt_endpoint_refuses_an_unsigned_request(client, world):
    refused = {}
    for name, pattern in _routes():
        if not _exempt_reason(name) or name == "public:lead-form":
            continue
        try:
            url = _any_url(name, pattern)
        except NoReverseMatch:  # mailgun's pattern has an unnamed optional group
            url = reverse(name, args=["_mime"])
        # An ESP whose credentials are not configured answers 404 (tickets/anymail_urls.py).
        refused[name] = client.post(url, {"From": "+13055550100", "Body": "hello"}).status_code

    # 405: an API path whose operations take other methods (GET and PATCH) refuses a POST.
    accepted = {
        name: status for name, status in refused.items() if status not in (400, 401, 403, 404, 405)
    }
    assert accepted == {}
    assert refused["tickets-public:twilio-inbound"] == 403
    assert refused["comms-public:unsubscribe"] == 404
    assert refused["comms-public:anymail:postmark_inbound_webhook"] == 400
    assert refused["comms-public:anymail:brevo_inbound_webhook"] == 404  # not configured here
    assert refused["gateway-public:stripe-webhook"] == 404  # no account has the token "1"
    with world.active():
        assert not InboundEvent.objects.exists()


def test_the_web_form_refuses_a_post_without_its_signed_tokens(client, world):
    url = reverse("public:lead-form", args=[capture_form_token(_capture_form(world))])
    fields = {"name": "Ana Lima", "email": "ana@example.com"}

    forged_url = client.post(reverse("public:lead-form", args=["forged"]), fields)
    no_submission_token = client.post(url, fields)

    assert forged_url.status_code == 404
    assert no_submission_token.status_code == 400
    with world.active():
        assert not Lead.objects.exists()


@pytest.mark.parametrize("role", [Role.ADMIN, Role.REP])
def test_signing_in_gives_the_staff_session_a_new_key(client, world, role):
    planted = client.session
    planted["planted_by"] = "attacker"
    planted.save()
    client.cookies[settings.SESSION_COOKIE_NAME] = planted.session_key
    user = world.membership(role).user

    response = client.post(reverse("login"), {"username": user.email, "password": TEST_PASSWORD})

    assert response.status_code == 302
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert key != planted.session_key
    assert not SessionStore().exists(planted.session_key)
    assert client.session[SESSION_KEY] == str(user.pk)


def test_redeeming_a_portal_link_gives_the_portal_session_a_new_key(client, world):
    """The code route is tested in tests/portal/test_sessions.py."""
    with world.active():
        email = world.contact.emails.get().email
    client.post(reverse("portal:sign-in"), {"address": email})
    deliver(world.tenant)
    (message,) = sent_messages(world.tenant, channel="email")
    planted = SessionStore()
    planted["planted_by"] = "attacker"
    planted.save()
    client.cookies[cookie_name()] = planted.session_key

    response = client.post(link_path(message))

    assert response.status_code == 302 and response["Location"] == reverse("portal:home")
    assert client.cookies[cookie_name()].value != planted.session_key
    assert not SessionStore().exists(planted.session_key)
    assert client.get(reverse("portal:home")).status_code == 200
