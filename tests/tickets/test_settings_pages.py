"""/settings/ pages of the inbox: inboxes with their addresses and agents, SLA targets, the inbox
rules and the inbound log. Admins only; another tenant's rows are never found; a Twilio auth
token goes in and never comes back out."""

import html

import pytest
from django.test import override_settings
from django.urls import reverse

from crm.kit.encryption import decrypt
from crm.models import Role
from tests.conftest import queries_for, sign_in
from tickets.models import (
    EventStatus,
    InboundEvent,
    InboundRoute,
    Inbox,
    InboxAddress,
    InboxAgent,
    InboxSettings,
    SlaPolicy,
)
from tickets.services import configuration, ingest

pytestmark = pytest.mark.django_db

SITE = "https://crm.example"
TOKEN = "f00dfeedf00dfeedf00dfeedf00dfeed"
SID = "AC" + "0123456789abcdef" * 2
HX = {"HTTP_HX_REQUEST": "true"}


def _page(response) -> str:
    return html.unescape(response.content.decode())


def _url(name: str, **kwargs) -> str:
    return reverse(f"tickets-settings:{name}", kwargs=kwargs)


def _inbox(world, name: str = "Support") -> Inbox:
    with world.active():
        return configuration.inbox_save(
            tenant=world.tenant, actor=None, name=name, brand=world.brand
        )


def _address(world, inbox, channel="sms", address="+13055550100", **fields) -> InboxAddress:
    with world.active():
        return configuration.inbox_address_save(
            tenant=world.tenant, inbox=inbox, channel=channel, address=address, **fields
        )


def _event(world, key: str, *, status=EventStatus.PENDING, **fields) -> InboundEvent:
    fields.setdefault("provider", "twilio")
    fields.setdefault("channel", "sms")
    fields.setdefault("payload", {"From": "+13055550199", "To": "+13055550100", "Body": key})
    fields.setdefault("recipient", "+13055550100")
    with world.active():
        return InboundEvent.objects.create(
            tenant=world.tenant, event_key=key, status=status, **fields
        )


def _reload(world, model, pk):
    with world.active():
        return model.objects.get(tenant=world.tenant, pk=pk)


@pytest.fixture
def admin_client(client, world):
    sign_in(client, world.admin)
    return client


# --- Who may see it -------------------------------------------------------------------------------


def test_the_url_names_and_their_kwargs():
    assert _url("inboxes") == "/settings/inboxes/"
    assert _url("inbox-create") == "/settings/inboxes/new/"
    assert _url("inbox", inbox_pk=3) == "/settings/inboxes/3/"
    assert _url("inbox-edit", inbox_pk=3) == "/settings/inboxes/3/edit/"
    assert _url("agent-save", inbox_pk=3) == "/settings/inboxes/3/agents/"
    assert (
        _url("agent-remove", inbox_pk=3, membership_pk=4) == "/settings/inboxes/3/agents/4/remove/"
    )
    assert _url("address-create", inbox_pk=3) == "/settings/inboxes/3/addresses/new/"
    assert _url("address-edit", address_pk=5) == "/settings/inbox-addresses/5/"
    assert _url("address-delete", address_pk=5) == "/settings/inbox-addresses/5/delete/"
    assert _url("sla") == "/settings/sla/"
    assert _url("inbox-settings") == "/settings/inbox-rules/"
    assert _url("inbound") == "/settings/inbound/"
    assert _url("inbound-retry", event_pk=6) == "/settings/inbound/6/retry/"


@pytest.mark.parametrize("role", [Role.MANAGER, Role.REP])
def test_only_admins_open_the_inbox_settings(client, world, role):
    inbox = _inbox(world)
    address = _address(world, inbox)
    event = _event(world, "dead", status=EventStatus.DEAD)
    sign_in(client, world.membership(role))

    pages = [
        _url("inboxes"),
        _url("inbox-create"),
        _url("inbox", inbox_pk=inbox.pk),
        _url("inbox-edit", inbox_pk=inbox.pk),
        _url("address-create", inbox_pk=inbox.pk),
        _url("address-edit", address_pk=address.pk),
        _url("sla"),
        _url("inbox-settings"),
        _url("inbound"),
    ]
    for url in pages:
        assert client.get(url).status_code == 403, url
    writes = [
        (_url("inbox-edit", inbox_pk=inbox.pk), {"name": "Hijacked", "default_priority": "low"}),
        (_url("agent-save", inbox_pk=inbox.pk), {"membership": world.rep.pk}),
        (_url("address-delete", address_pk=address.pk), {}),
        (_url("inbound-retry", event_pk=event.pk), {}),
        (_url("inbox-settings"), {"thread_window_days": 1}),
    ]
    for url, data in writes:
        assert client.post(url, data).status_code == 403, url
    assert _reload(world, Inbox, inbox.pk).name == "Support"
    assert _reload(world, InboxAddress, address.pk)
    assert _reload(world, InboundEvent, event.pk).status == EventStatus.DEAD
    with world.active():
        assert not InboxAgent.objects.filter(tenant=world.tenant).exists()


def test_anonymous_visitors_are_sent_to_sign_in(client, world):
    response = client.get(_url("inboxes"))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_another_tenants_inbox_address_agent_and_event_are_not_found(
    admin_client, world, other_world
):
    theirs = _inbox(other_world, "Their support")
    address = _address(other_world, theirs, address="+13055550177")
    event = _event(other_world, "theirs", status=EventStatus.DEAD)
    with other_world.active():
        configuration.inbox_agent_set(
            tenant=other_world.tenant, inbox=theirs, membership=other_world.rep
        )
    mine = _inbox(world)

    for url in (
        _url("inbox", inbox_pk=theirs.pk),
        _url("inbox-edit", inbox_pk=theirs.pk),
        _url("address-create", inbox_pk=theirs.pk),
        _url("address-edit", address_pk=address.pk),
    ):
        assert admin_client.get(url).status_code == 404, url
    for url, data in (
        (_url("inbox-edit", inbox_pk=theirs.pk), {"name": "Mine now", "default_priority": "low"}),
        (_url("agent-save", inbox_pk=theirs.pk), {"membership": world.rep.pk}),
        (
            _url("agent-remove", inbox_pk=theirs.pk, membership_pk=other_world.rep.pk),
            {},
        ),
        (_url("agent-remove", inbox_pk=mine.pk, membership_pk=other_world.rep.pk), {}),
        (_url("address-edit", address_pk=address.pk), {"channel": "sms", "address": "+1"}),
        (_url("address-delete", address_pk=address.pk), {}),
        (_url("inbound-retry", event_pk=event.pk), {}),
    ):
        assert admin_client.post(url, data).status_code == 404, url

    # Their member is not a choice for one of my inboxes.
    response = admin_client.post(
        _url("agent-save", inbox_pk=mine.pk), {"membership": other_world.rep.pk}
    )
    assert response.status_code == 400
    with other_world.active():
        assert Inbox.objects.get(pk=theirs.pk).name == "Their support"
        assert InboxAddress.objects.filter(pk=address.pk).exists()
        assert InboxAgent.objects.filter(inbox=theirs).count() == 1
        assert InboundEvent.objects.get(pk=event.pk).status == EventStatus.DEAD
    listed = _page(admin_client.get(_url("inboxes"))) + _page(admin_client.get(_url("inbound")))
    assert "Their support" not in listed
    assert _url("inbound-retry", event_pk=event.pk) not in listed


# --- Inboxes and agents ---------------------------------------------------------------------------


def test_an_admin_creates_and_edits_an_inbox(admin_client, world):
    response = admin_client.post(
        _url("inbox-create"),
        {
            "name": " Sales ",
            "brand": world.brand.pk,
            "team_lead": world.manager.pk,
            "default_priority": "high",
            "is_active": "on",
        },
    )
    with world.active():
        inbox = Inbox.objects.get(tenant=world.tenant)
    assert response.status_code == 302
    assert response["Location"] == _url("inbox", inbox_pk=inbox.pk)
    assert (inbox.name, inbox.brand_id, inbox.team_lead_id, inbox.default_priority) == (
        "Sales",
        world.brand.pk,
        world.manager.pk,
        "high",
    )

    response = admin_client.post(
        _url("inbox-edit", inbox_pk=inbox.pk), {"name": "Sales desk", "default_priority": "low"}
    )
    assert response.status_code == 302
    inbox = _reload(world, Inbox, inbox.pk)
    assert (inbox.name, inbox.brand_id, inbox.team_lead_id, inbox.is_active) == (
        "Sales desk",
        None,
        None,
        False,
    )


def test_two_inboxes_cannot_share_a_name(admin_client, world):
    _inbox(world, "Support")

    response = admin_client.post(
        _url("inbox-create"), {"name": "support", "default_priority": "normal"}
    )

    assert response.status_code == 400
    assert "Another inbox has this name." in _page(response)


def test_the_list_shows_addresses_agents_and_open_tickets(admin_client, world):
    inbox = _inbox(world, "Support")
    _inbox(world, "Empty")
    _address(world, inbox)
    _address(world, inbox, channel="email", address="hello@roofing.test")
    with world.active():
        configuration.inbox_agent_set(tenant=world.tenant, inbox=inbox, membership=world.rep)

    page = _page(admin_client.get(_url("inboxes")))

    # Alphabetical: Empty, then Support.
    empty, support = page.split("<strong>")[1:3]
    assert empty.startswith("Empty") and support.startswith("Support")
    assert "nobody" in empty and '<span class="badge warning">none</span>' in empty
    assert '<td class="num hide-sm">2</td>' in support
    assert "2 addresses" in support  # the phone's summary
    assert world.rep.user.full_name in support


def test_agents_are_added_with_a_capacity_changed_and_removed(admin_client, world):
    inbox = _inbox(world)
    url = _url("agent-save", inbox_pk=inbox.pk)

    response = admin_client.post(url, {"membership": world.rep.pk, "capacity": "5"})
    assert response.status_code == 302
    assert admin_client.post(url, {"membership": world.manager.pk}).status_code == 302
    with world.active():
        agents = dict(
            InboxAgent.objects.filter(inbox=inbox).values_list("membership_id", "capacity")
        )
    assert agents == {world.rep.pk: 5, world.manager.pk: None}

    page = _page(admin_client.get(_url("inbox", inbox_pk=inbox.pk)))
    assert world.rep.user.full_name in page
    assert 'name="capacity" min="0" max="999"' in page

    assert admin_client.post(url, {"membership": world.rep.pk, "capacity": "2"}).status_code == 302
    bad = admin_client.post(url, {"membership": world.rep.pk, "capacity": "-1"})
    assert bad.status_code == 400
    remove = _url("agent-remove", inbox_pk=inbox.pk, membership_pk=world.manager.pk)
    assert admin_client.post(remove).status_code == 302
    with world.active():
        agents = dict(
            InboxAgent.objects.filter(inbox=inbox).values_list("membership_id", "capacity")
        )
    assert agents == {world.rep.pk: 2}


# --- Addresses ------------------------------------------------------------------------------------


@override_settings(THREADLINE_SITE_URL=SITE)
def test_a_twilio_number_is_added_and_its_token_is_never_shown(admin_client, world):
    inbox = _inbox(world)

    response = admin_client.post(
        _url("address-create", inbox_pk=inbox.pk),
        {
            "channel": "sms",
            "address": "(305) 555-0100",
            "twilio_account_sid": SID,
            "twilio_auth_token": TOKEN,
            "is_active": "on",
        },
    )

    with world.active():
        address = InboxAddress.objects.get(tenant=world.tenant)
        assert InboundRoute.objects.get(inbox_address_id=address.pk).address == "+13055550100"
    assert response.status_code == 302
    assert (address.address, address.twilio_account_sid) == ("+13055550100", SID)
    # Kept encrypted: the column holds a ciphertext that the configured key opens.
    assert TOKEN not in address.twilio_auth_token_encrypted
    assert decrypt(address.twilio_auth_token_encrypted) == TOKEN
    edit = admin_client.get(_url("address-edit", address_pk=address.pk))
    detail = admin_client.get(_url("inbox", inbox_pk=inbox.pk))
    for page in (_page(edit), _page(detail)):
        assert TOKEN not in page
        assert f"{SITE}/hooks/twilio/inbound/" in page
        assert f"{SITE}/hooks/twilio/status/" in page
    assert "auth token set" in _page(detail)
    assert '<span class="badge ok">set</span>' in _page(edit)

    # A blank token keeps the stored one; a form sent back with an error does not echo one.
    data = {
        "channel": "sms",
        "address": "+1 305 555 0100",
        "twilio_account_sid": SID,
        "is_active": "on",
    }
    kept = admin_client.post(_url("address-edit", address_pk=address.pk), data)
    assert kept.status_code == 302
    assert decrypt(_reload(world, InboxAddress, address.pk).twilio_auth_token_encrypted) == TOKEN
    refused = admin_client.post(
        _url("address-edit", address_pk=address.pk),
        {**data, "address": "not a number", "twilio_auth_token": "a-new-secret-token"},
    )
    assert refused.status_code == 400
    assert "a-new-secret-token" not in _page(refused)
    assert TOKEN not in _page(refused)
    assert decrypt(_reload(world, InboxAddress, address.pk).twilio_auth_token_encrypted) == TOKEN


def test_forgetting_the_twilio_account_clears_sid_and_token(admin_client, world):
    inbox = _inbox(world)
    address = _address(world, inbox, twilio_account_sid=SID, twilio_auth_token=TOKEN)

    response = admin_client.post(
        _url("address-edit", address_pk=address.pk),
        {"channel": "sms", "address": "+13055550100", "forget_twilio": "on", "is_active": "on"},
    )

    assert response.status_code == 302
    address = _reload(world, InboxAddress, address.pk)
    assert (address.twilio_account_sid, address.twilio_auth_token_encrypted) == ("", "")


@pytest.mark.parametrize("number", ["abc", "555-01", "+1 555 0100", "123"])
def test_a_bad_phone_number_is_refused(admin_client, world, number):
    inbox = _inbox(world)

    response = admin_client.post(
        _url("address-create", inbox_pk=inbox.pk),
        {"channel": "whatsapp", "address": number, "is_active": "on"},
    )

    assert response.status_code == 400
    assert f"“{number}” is not a valid phone number." in _page(response)
    with world.active():
        assert not InboxAddress.objects.filter(tenant=world.tenant).exists()


def test_twilio_credentials_come_in_pairs(admin_client, world):
    inbox = _inbox(world)
    url = _url("address-create", inbox_pk=inbox.pk)
    base = {"channel": "sms", "address": "+13055550100", "is_active": "on"}

    no_token = admin_client.post(url, {**base, "twilio_account_sid": SID})
    no_sid = admin_client.post(url, {**base, "twilio_auth_token": TOKEN})
    bad_sid = admin_client.post(
        url, {**base, "twilio_account_sid": "AC12", "twilio_auth_token": TOKEN}
    )

    assert "Enter the auth token of this Twilio account." in _page(no_token)
    assert "Enter the account SID the auth token belongs to." in _page(no_sid)
    assert "AC followed by 32 letters and digits" in _page(bad_sid)
    with world.active():
        assert not InboxAddress.objects.filter(tenant=world.tenant).exists()


@pytest.mark.parametrize(
    ("channel", "taken", "typed"),
    [
        ("sms", "+13055550100", "(305) 555-0100"),
        ("email", "hello@roofing.test", "Hello@Roofing.test"),
    ],
)
def test_an_address_another_tenant_uses_is_refused_without_naming_them(
    admin_client, world, other_world, channel, taken, typed
):
    _address(other_world, _inbox(other_world, "Lakeside desk"), channel=channel, address=taken)
    inbox = _inbox(world)

    response = admin_client.post(
        _url("address-create", inbox_pk=inbox.pk),
        {"channel": channel, "address": typed, "is_active": "on"},
    )

    page = _page(response)
    assert response.status_code == 400
    assert f"{taken} can't be added to this account." in page
    assert "another inbox" not in page
    assert other_world.tenant.name not in page
    assert "Lakeside desk" not in page
    with world.active():
        assert not InboxAddress.objects.filter(tenant=world.tenant).exists()


@override_settings(THREADLINE_SITE_URL=SITE + "/")
def test_an_email_address_shows_the_esp_inbound_urls_with_basic_auth(admin_client, world):
    inbox = _inbox(world)

    response = admin_client.post(
        _url("address-create", inbox_pk=inbox.pk),
        {"channel": "email", "address": "Support@Roofing.test", "is_active": "on"},
    )
    with world.active():
        address = InboxAddress.objects.get(tenant=world.tenant)
    assert response["Location"] == _url("address-edit", address_pk=address.pk)
    assert address.address == "support@roofing.test"

    page = _page(admin_client.get(response["Location"]))
    for esp in ("mailgun", "sendgrid", "postmark", "amazon_ses"):
        assert f"https://USER:PASSWORD@crm.example/hooks/anymail/{esp}/inbound/" in page
    assert "ANYMAIL_WEBHOOK_SECRET" in page
    assert "/hooks/twilio/" not in page


def test_an_email_address_must_look_like_one(admin_client, world):
    inbox = _inbox(world)

    response = admin_client.post(
        _url("address-create", inbox_pk=inbox.pk),
        {"channel": "email", "address": "support at roofing", "is_active": "on"},
    )

    assert response.status_code == 400
    assert "“support at roofing” is not an email address." in _page(response)


def test_removing_an_address_drops_its_route(admin_client, world):
    inbox = _inbox(world)
    address = _address(world, inbox)

    response = admin_client.post(_url("address-delete", address_pk=address.pk))

    assert response.status_code == 302
    assert response["Location"] == _url("inbox", inbox_pk=inbox.pk)
    with world.active():
        assert not InboxAddress.objects.filter(tenant=world.tenant).exists()
    assert not InboundRoute.objects.filter(address="+13055550100").exists()


# --- SLA policies and inbox rules -----------------------------------------------------------------


def test_the_sla_page_starts_from_the_defaults_and_saves_hours_and_minutes(admin_client, world):
    page = _page(admin_client.get(_url("sla")))
    assert 'name="urgent_first_hours" value="1"' in page
    assert 'name="low_next_hours" value="48"' in page
    assert "business profile" in page

    data = {}
    for priority in ("urgent", "high", "normal", "low"):
        for target in ("first", "next"):
            data[f"{priority}_{target}_hours"] = "2"
            data[f"{priority}_{target}_minutes"] = "0"
    data["urgent_first_hours"], data["urgent_first_minutes"] = "0", "30"
    data["low_next_hours"], data["low_next_minutes"] = "72", "15"
    response = admin_client.post(_url("sla"), data)

    assert response.status_code == 302
    with world.active():
        policies = {
            p.priority: (p.first_response_minutes, p.next_response_minutes)
            for p in SlaPolicy.objects.filter(tenant=world.tenant)
        }
    assert policies == {
        "urgent": (30, 120),
        "high": (120, 120),
        "normal": (120, 120),
        "low": (120, 72 * 60 + 15),
    }


def test_an_sla_target_of_nothing_is_refused(admin_client, world):
    data = {}
    for priority in ("urgent", "high", "normal", "low"):
        for target in ("first", "next"):
            data[f"{priority}_{target}_hours"] = "4"
            data[f"{priority}_{target}_minutes"] = "0"
    data["high_next_hours"] = "0"
    data["normal_first_minutes"] = "75"

    response = admin_client.post(_url("sla"), data)

    assert response.status_code == 400
    page = _page(response)
    assert "Next response: at least a minute." in page
    with world.active():
        assert set(
            SlaPolicy.objects.filter(tenant=world.tenant).values_list(
                "first_response_minutes", flat=True
            )
        ) == {60, 240, 24 * 60, 48 * 60}


def test_the_inbox_rules_are_saved(admin_client, world):
    page = _page(admin_client.get(_url("inbox-settings")))
    assert "complaint, problem, lawyer" in page

    response = admin_client.post(
        _url("inbox-settings"),
        {
            "thread_window_days": "14",
            "sentiment_threshold": "-0.3",
            "priority_keywords": "Leak, lawyer,  , leak, water damage",
            "vip_after_won_jobs": "3",
            "escalate_to_manager_after_minutes": "90",
        },
    )

    assert response.status_code == 302
    with world.active():
        config = InboxSettings.objects.get(tenant=world.tenant)
    assert (
        config.thread_window_days,
        config.sentiment_threshold,
        config.priority_keywords,
        config.vip_after_won_jobs,
        config.escalate_to_manager_after_minutes,
    ) == (14, -0.3, ["leak", "lawyer", "water damage"], 3, 90)


def test_inbox_rules_out_of_range_are_refused(admin_client, world):
    response = admin_client.post(
        _url("inbox-settings"),
        {
            "thread_window_days": "-1",
            "sentiment_threshold": "2",
            "priority_keywords": "x" * 61,
            "vip_after_won_jobs": "1",
            "escalate_to_manager_after_minutes": "60",
        },
    )

    assert response.status_code == 400
    page = _page(response)
    assert "Keep each keyword under 60 characters" in page
    with world.active():
        assert not InboxSettings.objects.filter(tenant=world.tenant, vip_after_won_jobs=1).exists()


# --- Inbound log ----------------------------------------------------------------------------------


def _processed_email(world) -> InboundEvent:
    """An email to the inbox's address, threaded into a ticket."""
    inbox = _inbox(world, "Mail")
    _address(world, inbox, channel="email", address="hello@roofing.test")
    with world.active():
        sender = world.contact.emails.first().email
    raw = (
        f"From: Jane <{sender}>\r\nTo: hello@roofing.test\r\nSubject: Photos\r\n"
        "Message-ID: <photos@example.com>\r\n\r\nHere are the photos.\r\n"
    ).encode()
    stored = ingest.email_inbound_store(provider="postmark", raw=raw)
    with world.active():
        ingest.inbound_event_process(tenant=world.tenant, event_id=stored.event_id)
        return InboundEvent.objects.select_related("message__ticket").get(pk=stored.event_id)


def test_the_log_lists_events_newest_first_with_sender_status_and_ticket(admin_client, world):
    processed = _processed_email(world)
    dead = _event(
        world,
        "twilio:SM2",
        status=EventStatus.DEAD,
        attempts=8,
        last_error="OperationalError: the database went away",
        payload={"From": "whatsapp:+13055550142", "To": "whatsapp:+13055550100"},
        channel="whatsapp",
    )

    page = _page(admin_client.get(_url("inbound")))

    with world.active():
        sender = world.contact.emails.first().email
    assert page.index("+13055550142") < page.index(sender)
    ticket = processed.message.ticket
    assert (
        f'href="{reverse("tickets:detail", kwargs={"ticket_pk": ticket.pk})}">T-{ticket.number}'
        in page
    )
    assert "OperationalError: the database went away" in page
    assert "8 attempts" in page
    assert _url("inbound-retry", event_pk=dead.pk) in page
    assert _url("inbound-retry", event_pk=processed.pk) not in page


def test_the_log_filters_by_status_and_pages_on(admin_client, world):
    for n in range(55):
        _event(world, f"twilio:P{n}", payload={"From": f"+1305555{n:04d}"})
    _event(world, "twilio:F1", status=EventStatus.FAILED, last_error="boom")

    failed = _page(admin_client.get(_url("inbound"), {"status": "failed"}))
    assert "boom" in failed and "+13055550001" not in failed

    first = admin_client.get(_url("inbound"))
    assert first.context["page"].has_next
    cursor = first.context["page"].next_cursor
    more = admin_client.get(_url("inbound"), {"after": cursor}, **HX)
    assert more.status_code == 200
    assert "<html" not in more.content.decode()
    assert len(first.context["page"].items) == 50
    # The 6 oldest: P0 to P5 (each sender's number ends in its event's position).
    rest = _page(more)
    assert all(f"+1305555{n:04d}" in rest for n in range(6))
    assert "+13055550006" not in rest and "load-more-row" not in rest

    # A status nobody knows is ignored, not an error.
    assert admin_client.get(_url("inbound"), {"status": "nope"}).status_code == 200


def test_the_log_costs_the_same_queries_for_3_or_30_events(admin_client, world):
    _processed_email(world)
    for n in range(2):
        _event(world, f"twilio:A{n}", status=EventStatus.FAILED, last_error="boom")
    few = queries_for(admin_client, _url("inbound"))
    for n in range(27):
        _event(world, f"twilio:B{n}", status=EventStatus.DEAD, last_error="boom")
    many = queries_for(admin_client, _url("inbound"))

    assert many == few


def test_a_dead_event_is_tried_again(admin_client, world, django_capture_on_commit_callbacks):
    event = _event(world, "twilio:SM9", status=EventStatus.DEAD, attempts=8, last_error="boom")

    with django_capture_on_commit_callbacks() as callbacks:
        response = admin_client.post(_url("inbound-retry", event_pk=event.pk), {"status": "dead"})

    assert response.status_code == 302
    assert response["Location"] == _url("inbound") + "?status=dead"
    event = _reload(world, InboundEvent, event.pk)
    assert (event.status, event.attempts) == (EventStatus.FAILED, 0)
    assert len(callbacks) == 1  # the task is enqueued once the request commits


def test_a_processed_event_is_not_tried_again(admin_client, world):
    processed = _processed_email(world)

    response = admin_client.post(_url("inbound-retry", event_pk=processed.pk), follow=True)

    assert "Only a failed event can be tried again." in _page(response)
    assert _reload(world, InboundEvent, processed.pk).status == EventStatus.PROCESSED


def test_the_settings_navigation_links_the_inbox_pages(admin_client, world):
    page = _page(admin_client.get(_url("sla")))

    for name in ("inboxes", "inbox-settings", "inbound"):
        assert f'href="{_url(name)}"' in page
    assert f'<a href="{_url("sla")}" class="active" aria-current="page">SLA policies</a>' in page
