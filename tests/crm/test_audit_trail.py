"""The audit trail: filters (who, what, when), search, keyset pages, template and trigger changes,
and things named as people know them ("Consent for SMS granted for Casey Morgan")."""

import datetime as dt
import html
import importlib
import re
from decimal import Decimal

import pghistory
import pytest
from django.apps import apps
from django.db import connection
from django.urls import reverse
from django.utils import translation
from pghistory.models import Event

from automation.models import Trigger
from crm.audit import audit_names
from crm.models import Channel, ConsentStatus, Contact, Membership, Tenant, User
from crm.selectors.audit import AuditFilters, audit_page
from crm.services.consent import consent_record
from leads.models import Payment, PaymentKind, PaymentMethod
from tests import factories
from tests.conftest import queries_for, sign_in
from tests.factories import lead_for, message_template_for, trigger_for

pytestmark = pytest.mark.django_db

URL = "/settings/audit/"


def _page(client, **params) -> str:
    return html.unescape(client.get(URL, params).content.decode())


def _text(page: str) -> str:
    """The page's words without its tags."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", page))


def _rows(page: str) -> list[str]:
    return re.findall(r"<tr>(.*?)</tr>", page, flags=re.S)


@pytest.fixture
def casey(world):
    contact = factories.ContactFactory(tenant=world.tenant, first_name="Casey", last_name="Morgan")
    with world.active(), pghistory.context(user=world.admin.user_id):
        consent_record(
            tenant=world.tenant,
            contact=contact,
            channel=Channel.SMS,
            status=ConsentStatus.GRANTED,
            source="web form",
        )
    return contact


def test_consent_is_named_as_people_say_it(client, world, casey):
    sign_in(client, world.admin)
    page = _page(client)
    assert "Consent for SMS granted for Casey Morgan" in page
    assert "Created contact consent" not in page and "contact consent #" not in page
    with world.active(), pghistory.context(user=world.admin.user_id):
        consent_record(
            tenant=world.tenant,
            contact=casey,
            channel=Channel.SMS,
            status=ConsentStatus.WITHDRAWN,
            source="STOP",
        )
    assert "Consent for SMS withdrawn for Casey Morgan" in _page(client)


def test_template_and_trigger_changes_are_recorded(client, world):
    template = message_template_for(world.tenant, "quote-follow-up")
    trigger = trigger_for(
        world.tenant, event="lead_created", name="Greet new leads", steps=[{"template": template}]
    )
    with world.active():
        trigger.name = "Greet every new lead"
        trigger.save()
    sign_in(client, world.admin)
    page = _page(client)
    assert "Message template “Quote follow up” added" in page
    assert "Email version (English) of template “Quote follow up” added" in page
    assert "Trigger “Greet every new lead” changed" in page
    assert "Greet new leads → Greet every new lead" in _text(page)
    assert "Step 1 of trigger “Greet every new lead” added" in page
    templates_only = _page(client, what="templates")
    assert "Message template “Quote follow up” added" in templates_only
    assert "Trigger “" not in templates_only


def test_filters_by_who_what_and_when_and_searches(client, world, casey):
    sign_in(client, world.admin)
    mine = _page(client, who=str(world.admin.user_id))
    assert "Consent for SMS granted for Casey Morgan" in mine
    assert f"Contact {world.contact.display_name} added" not in mine  # written by no one
    system = _page(client, who="system")
    assert f"Contact {world.contact.display_name} added" in system
    assert "Consent for SMS granted" not in system

    contacts = _page(client, what="contacts")
    assert "Consent for SMS granted for Casey Morgan" in contacts
    assert "Brand " not in contacts

    today = world.tenant.today()
    assert "Casey Morgan" in _page(client, since=today.isoformat(), until=today.isoformat())
    yesterday = today - dt.timedelta(days=1)
    assert "No changes match these filters." in _page(client, until=yesterday.isoformat())

    # Words find the rows about a contact by their name, and rows by their own data.
    found = _page(client, q="casey morgan")
    assert "Consent for SMS granted for Casey Morgan" in found
    assert f"Contact {world.contact.display_name} added" not in found
    assert f"Brand {world.brand.name}" in _page(client, q=world.brand.sender_email)
    # A filter it does not understand is left out, not an error.
    assert client.get(URL, {"since": "someday", "who": "nobody"}).status_code == 200


def test_pages_follow_each_other_by_keyset(world):
    for number in range(7):
        factories.BrandFactory(tenant=world.tenant, name=f"Paged brand {number}")
    with world.active():
        first = audit_page(
            tenant=world.tenant, filters=AuditFilters(q="Paged"), after=None, per_page=4
        )
        assert first.has_next
        second = audit_page(
            tenant=world.tenant,
            filters=AuditFilters(q="Paged"),
            after=first.next_cursor,
            per_page=4,
        )
    names = [e.sentence for e in first.items + second.items]
    assert not second.has_next
    assert sorted(names) == [f"Brand Paged brand {n} added" for n in range(7)]


def test_show_more_continues_the_list_with_the_filters(client, world):
    for number in range(55):
        factories.BrandFactory(tenant=world.tenant, name=f"Bulk brand {number:02d}")
    sign_in(client, world.admin)
    page = _page(client, what="brands")
    first = {m for r in _rows(page) for m in re.findall(r"Bulk brand \d\d", r)}
    assert len(_rows(page)) == 1 + 50 + 1  # the head, a page of 50 (the world's brand too), more
    cursor = re.search(r'after=([\w-]+)"', page).group(1)
    more = html.unescape(
        client.get(
            URL, {"what": "brands", "after": cursor}, HTTP_HX_REQUEST="true"
        ).content.decode()
    )
    assert "<h1>" not in more
    rest = set(re.findall(r"Bulk brand \d\d", more))
    assert rest and not rest & first
    assert first | rest == {f"Bulk brand {n:02d}" for n in range(55)}


def test_another_tenants_entries_stay_out_even_when_searched(client, world, other_world):
    factories.ContactFactory(tenant=other_world.tenant, first_name="Zed", last_name="Other")
    sign_in(client, world.admin)
    assert "Zed Other" not in _page(client, q="Zed")


def test_the_page_queries_do_not_grow_with_names(client, world, casey):
    sign_in(client, world.admin)
    few = queries_for(client, URL)
    for number in range(5):
        contact = factories.ContactFactory(tenant=world.tenant, first_name=f"Extra{number}")
        with world.active():
            consent_record(
                tenant=world.tenant,
                contact=contact,
                channel=Channel.EMAIL,
                status=ConsentStatus.GRANTED,
                source="import",
            )
    assert queries_for(client, URL) == few
    assert reverse("settings:audit") == URL


# --- Only what people change or care about ------------------------------------------------------


def _history_of(model):
    return next(
        event
        for event in apps.get_models()
        if issubclass(event, Event) and getattr(event, "pgh_tracked_model", None) is model
    )


def _updates_recorded(model) -> int:
    return _history_of(model).objects.filter(pgh_label="update").count()


def test_bookkeeping_a_process_moves_is_not_recorded(world):
    """A sweep's cursor (six a minute), a round robin's turn, the calendar's version and a save
    that only moves "updated at" are no change anyone made."""
    trigger = trigger_for(world.tenant, event="lead_created", name="Greet new leads")
    now = dt.datetime.now(dt.UTC)
    models = (Trigger, Membership, Tenant, Contact)
    with world.active():
        before = {model: _updates_recorded(model) for model in models}
        Trigger.objects.filter(pk=trigger.pk).update(swept_until=now)
        Membership.objects.filter(pk=world.rep.pk).update(last_assigned_at=now)
        Tenant.objects.filter(pk=world.tenant.pk).update(calendar_version=7)
        world.contact.save()
        assert {model: _updates_recorded(model) for model in models} == before
        trigger.name = "Greet every new lead"
        trigger.save()
        assert _updates_recorded(Trigger) == before[Trigger] + 1


def test_updates_recorded_before_that_changed_nothing_shown_are_left_out(client, world):
    """History written while the bookkeeping was still tracked: each row's only change was a
    column no longer kept, so it equals the version before it."""
    trigger = trigger_for(world.tenant, event="lead_created", name="Greet new leads")
    with world.active():
        row = _history_of(Trigger).objects.get(pgh_obj_id=trigger.pk, pgh_label="insert")
        for _ in range(6):
            row.pk, row.pgh_label = None, "update"
            row.save()
        trigger.is_active = False
        trigger.save()
    sign_in(client, world.admin)
    rows = _rows(_page(client, what="automation"))
    assert sum("Trigger “Greet new leads” added" in r for r in rows) == 1
    assert sum("Trigger “Greet new leads” changed" in r for r in rows) == 1


# --- Values as the reader reads them ------------------------------------------------------------


def _payment(world, lead, amount: str) -> Payment:
    with world.active(), pghistory.context(user=world.admin.user_id):
        return Payment.objects.create(
            tenant=world.tenant,
            lead=lead,
            kind=PaymentKind.DEPOSIT,
            amount=Decimal(amount),
            method=PaymentMethod.BANK_TRANSFER,
            received_on=dt.date(2026, 3, 5),
        )


def test_values_read_in_the_tenants_zone_and_the_readers_language(client, world):
    Tenant.objects.filter(pk=world.tenant.pk).update(time_zone="Europe/Amsterdam")
    payment = _payment(world, lead_for(world), "9000")
    with world.active(), pghistory.context(user=world.admin.user_id):
        payment.amount, payment.method = Decimal("9250.50"), PaymentMethod.CHECK
        payment.received_on = dt.date(2026, 3, 6)
        payment.save()
        email = world.contact.emails.get()
        email.verified_at = dt.datetime(2026, 3, 5, 13, 30, tzinfo=dt.UTC)
        email.save()
        world.contact.is_vip = True
        world.contact.save()
    sign_in(client, world.admin)
    # One transaction in a test: every row has the same time, so each kind is read on its own.
    money, contacts = (_text(_page(client, what=kind)) for kind in ("money", "contacts"))
    assert "Payment of $9,000 for L-" in money
    assert "Amount: $9,000 → $9,250.50" in money
    assert "Method: Bank transfer → Check" in money
    assert "Received on: Mar 5, 2026 → Mar 6, 2026" in money
    assert "→ Mar 5, 2026 2:30 PM" in contacts  # verified at 13:30 UTC, 14:30 in Amsterdam
    assert "VIP: No → Yes" in contacts
    for page in (money, contacts):
        assert "9000.0" not in page and "2026-03-05" not in page and "False" not in page

    User.objects.filter(pk=world.admin.user_id).update(language="nl")
    money, contacts = (_text(_page(client, what=kind)) for kind in ("money", "contacts"))
    assert "Betaling van $ 9.000 voor L-" in money
    assert "Bedrag: $ 9.000 → $ 9.250,50" in money
    assert "Ontvangen op: 5 mrt 2026 → 6 mrt 2026" in money
    assert "→ 5 mrt 2026 14:30" in contacts
    assert "VIP: Nee → Ja" in contacts


# --- Search as every search box searches ---------------------------------------------------------


@pytest.fixture
def jose(world):
    contact = factories.ContactFactory(tenant=world.tenant, first_name="José", last_name="Peña")
    with world.active(), pghistory.context(user=world.admin.user_id):
        consent_record(
            tenant=world.tenant,
            contact=contact,
            channel=Channel.SMS,
            status=ConsentStatus.GRANTED,
            source="web form",
        )
    return contact


def test_search_folds_accents_and_case(client, world, jose):
    sign_in(client, world.admin)
    for typed in ("jose pena", "PEÑA", "Jos"):
        assert "Consent for SMS granted for José Peña" in _page(client, q=typed), typed
    assert "José Peña" not in _page(client, q="jose smith")


def test_search_finds_payments_by_the_customer_and_the_lead_number(client, world, jose):
    theirs = lead_for(world, contact=jose)
    others = lead_for(world)
    _payment(world, theirs, "9000")
    _payment(world, others, "120")
    sign_in(client, world.admin)
    for typed in ("jose pena", theirs.reference, theirs.reference.lower()):
        found = _page(client, q=typed)
        assert f"Payment of $9,000 for {theirs.reference} (José Peña)" in found, typed
        assert "Payment of $120" not in found, typed
    assert "Payment of $120" in _page(client, q=others.reference)


def test_a_searched_page_queries_do_not_grow_with_the_rows(client, world, jose):
    lead = lead_for(world, contact=jose)
    _payment(world, lead, "100")
    sign_in(client, world.admin)
    few = queries_for(client, URL, data={"q": "jose"})
    for number in range(6):
        _payment(world, lead, f"{number + 1}00")
        with world.active():
            consent_record(
                tenant=world.tenant,
                contact=jose,
                channel=Channel.EMAIL,
                status=ConsentStatus.GRANTED,
                source=f"import {number}",
            )
    assert queries_for(client, URL, data={"q": "jose"}) == few


def test_the_upgrade_deletes_the_updates_that_moved_only_bookkeeping(world):
    """automation migration 0005: a time trigger's swept_until rows, once the column is gone,
    equal the version before them; the people's changes stay."""
    upgrade = importlib.import_module("automation.migrations.0005_history_leaves_out_bookkeeping")
    trigger = trigger_for(world.tenant, event="lead_created", name="Greet new leads")
    events = _history_of(Trigger).objects
    with world.active():
        row = events.get(pgh_obj_id=trigger.pk, pgh_label="insert")
        for _ in range(6):
            row.pk, row.pgh_label = None, "update"
            row.save()
        trigger.name = "Greet every new lead"
        trigger.save()
        trigger_pk = trigger.pk
        trigger.delete()
        with connection.cursor() as cursor:
            cursor.execute(upgrade.UNCHANGED_UPDATES_DELETE.format(table="comms_triggerevent"))
        labels = list(
            events.filter(pgh_obj_id=trigger_pk)
            .order_by("pgh_id")
            .values_list("pgh_label", flat=True)
        )
    assert labels == ["insert", "update", "delete"]


def test_every_audited_model_has_a_name_in_the_readers_language():
    """The generic sentences ("Inbox address … added") name the model as the reader does."""
    tracked = {
        model.pgh_tracked_model._meta.label
        for model in apps.get_models()
        if getattr(model, "pgh_tracked_model", None) is not None
    }
    names = audit_names()
    assert sorted(tracked - set(names)) == []
    with translation.override("nl"):
        assert (str(names["tickets.InboxAddress"]), str(names["leads.Quote"])) == (
            "Inboxadres",
            "Offerte",
        )
