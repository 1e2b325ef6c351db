"""Every URL of the project, filled with another tenant's object ids, answers 403 or 404.

The URL list comes from the resolver, so a new page is covered the day it is added. A new URL
keyword must be mapped to the object it names in OBJECT_KWARGS (or, if it names no tenant object,
listed in NON_OBJECT_KWARGS with the reason); until then this test fails.
"""

import datetime as dt
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from api.services.keys import api_key_create
from automation.models import Sequence, SequenceEnrolment, SequenceStep, Trigger
from automation.services.configuration_triggers import trigger_save, trigger_step_save
from crm.models import ClosedDay, Role, TimeOff
from documents.demo import photo_bytes
from documents.models import DocumentKind
from documents.services.documents import document_upload
from followups.models import FollowUpTemplate, SavedFollowUpFilter
from followups.services.followups import follow_up_create, follow_up_type_get
from leads.models import AssignmentRule, LeadSource, SavedLeadFilter, Stage, TaxRate
from leads.services import capture
from leads.services import imports as lead_imports
from leads.services.quotes import quote_save_draft
from messaging.models import MessageSource, MessageTemplate, TemplateVariant
from messaging.services import outbox
from tests.conftest import sign_in
from tests.factories import ContactEmailFactory, ContactFactory, lead_for, pipeline_for
from tests.portal.helpers import portal_sign_in
from tickets.models import InboundEvent, TicketAttachment, TicketMessage
from tickets.services import configuration
from tickets.services.replies import ticket_add_note, ticket_reply
from tickets.services.threading import ticket_open
from webhooks.services.endpoints import endpoint_create


def _contact_address(world, kind: str):
    with world.active():
        return getattr(world.contact, kind).get()


def _twin_contact(world):
    """A second contact of the world: the one a merge would fold into world.contact."""
    if not hasattr(world, "twin_contact"):
        with world.active():
            world.twin_contact = ContactFactory(tenant=world.tenant)
    return world.twin_contact


def _lead(world):
    """The world's lead (made on first use, so worlds without URL tests stay lead-free)."""
    if not hasattr(world, "lead"):
        world.lead = lead_for(world, owner=world.rep)
    return world.lead


def _quote(world):
    if not hasattr(world, "quote"):
        with world.active():
            world.quote = quote_save_draft(
                tenant=world.tenant,
                actor=world.admin.user,
                lead=_lead(world),
                valid_until=world.tenant.today() + timedelta(days=30),
                lines=[("Roof repair", Decimal("1"), Decimal("900"))],
            )
    return world.quote


def _tax_rate(world):
    with world.active():
        return TaxRate.objects.get_or_create(
            tenant=world.tenant, name="Sales tax", defaults={"percent": Decimal("7")}
        )[0]


def _invoice(world):
    if not hasattr(world, "invoice"):
        from billing.services.invoices import invoice_create, invoice_send

        with world.active():
            draft = invoice_create(
                tenant=world.tenant,
                actor=world.admin.user,
                lead=_lead(world),
                title="Extra work",
                lines=[("Gutter", Decimal("1"), Decimal("100"))],
            )
            # Sent: the customer sees sent invoices only (in the portal too).
            world.invoice = invoice_send(tenant=world.tenant, actor=world.admin.user, invoice=draft)
    return world.invoice


def _invoice_payment(world):
    """A payment of the world's invoice that came in online (part of it: the invoice stays
    open), so the invoice page's online refund opens for it."""
    if not hasattr(world, "invoice_payment"):
        from billing.models import InvoicePayment
        from gateway.models import CheckoutSession, PaymentAccount, Provider, SessionStatus
        from gateway.services.accounts import payment_account_save
        from gateway.services.checkout import checkout_start
        from leads.models import Payment

        invoice = _invoice(world)
        with world.active():
            if not PaymentAccount.objects.filter(tenant=world.tenant).exists():
                payment_account_save(
                    tenant=world.tenant,
                    actor=world.admin.user,
                    provider=Provider.SANDBOX,
                    methods=["card"],
                )
            session = checkout_start(
                tenant=world.tenant,
                amount=Decimal("10"),
                currency=invoice.currency,
                description="Invoice",
                reference=f"invoice:{invoice.pk}",
                success_url="https://crm.example.com/paid/",
                cancel_url="https://crm.example.com/invoice/",
            )
            CheckoutSession.objects.filter(pk=session.pk).update(
                status=SessionStatus.PAID,
                paid_at=timezone.now(),
                provider_payment_intent=f"pi_{session.public_id.hex}",
            )
            # Recorded as the gateway's "paid" would (the world's lead need not be won for it).
            world.invoice_payment = Payment.objects.create(
                tenant=world.tenant,
                lead=invoice.lead,
                kind="progress",
                amount=Decimal("10"),
                method="card",
                reference=f"pi_{session.public_id.hex}",
            )
            InvoicePayment.objects.create(
                tenant=world.tenant, invoice=invoice, payment=world.invoice_payment
            )
    return world.invoice_payment


def _claim(world):
    """An insurance claim on the world's lead (made directly: the URL only needs its id)."""
    if not hasattr(world, "claim"):
        from billing.models import InsuranceClaim

        with world.active():
            world.claim = InsuranceClaim.objects.create(
                tenant=world.tenant,
                lead=_lead(world),
                insurer_name="Gulf Mutual",
                deductible=Decimal("100"),
                depreciation=Decimal("50"),
            )
    return world.claim


def _unused_stage(world):
    """A stage no lead ever entered, so the delete URL can really delete it in the control."""
    with world.active():
        stage, _ = Stage.objects.get_or_create(
            tenant=world.tenant, pipeline_id=_lead(world).pipeline_id, name="Extra step"
        )
    return stage


def _source(world):
    with world.active():
        return LeadSource.objects.get_or_create(tenant=world.tenant, name="Referral")[0]


def _rule(world):
    with world.active():
        return AssignmentRule.objects.get_or_create(tenant=world.tenant, name="Everyone")[0]


def _time_off(world):
    with world.active():
        return TimeOff.objects.get_or_create(
            tenant=world.tenant,
            membership=world.rep,
            starts_on=world.tenant.today(),
            ends_on=world.tenant.today(),
        )[0]


def _closed_day(world):
    with world.active():
        return ClosedDay.objects.get_or_create(
            tenant=world.tenant, date=dt.date(2030, 12, 24), defaults={"name": "Christmas Eve"}
        )[0]


def _capture_form(world):
    with world.active():
        return capture.capture_form_save(
            tenant=world.tenant,
            actor=world.admin.user,
            name="Website",
            pipeline=pipeline_for(world.tenant),
        )


def _lead_import(world):
    with world.active():
        return lead_imports.lead_import_preview(
            tenant=world.tenant,
            actor=world.admin.user,
            filename="leads.csv",
            raw=b"Name,Email\nAna Lima,ana@example.com\n",
            pipeline=pipeline_for(world.tenant),
        )


def _saved_filter(world):
    with world.active():
        saved, _ = SavedLeadFilter.objects.get_or_create(
            tenant=world.tenant, membership=world.admin, name="Red", defaults={"query": "aging=red"}
        )
    return saved


def _trigger(world):
    with world.active():
        existing = Trigger.objects.filter(tenant=world.tenant, name="Thank new leads").first()
        return existing or trigger_save(
            tenant=world.tenant, actor=None, name="Thank new leads", event="lead_created"
        )


def _trigger_step(world):
    trigger = _trigger(world)
    with world.active():
        return trigger.steps.first() or trigger_step_save(
            tenant=world.tenant,
            actor=None,
            trigger=trigger,
            action="follow_up",
            follow_up_kind="call",
            follow_up_subject="Call them",
        )


def _message_template(world):
    with world.active():
        return MessageTemplate.objects.get_or_create(
            tenant=world.tenant, key="quote-sent", defaults={"name": "Quote sent"}
        )[0]


def _template_variant(world):
    with world.active():
        return TemplateVariant.objects.get_or_create(
            tenant=world.tenant,
            template=_message_template(world),
            channel="email",
            language="en",
            brand=None,
            defaults={"subject": "Your quote", "body_text": "Hi {{ first_name }}"},
        )[0]


def _message(world):
    if not hasattr(world, "message"):
        with world.active():
            world.message = outbox.message_schedule(
                tenant=world.tenant,
                channel="sms",
                source=MessageSource.MANUAL,
                idempotency_key="isolation",
                contact=world.contact,
                body_text="Hello",
            )
    return world.message


def _inbox(world):
    if not hasattr(world, "inbox"):
        with world.active():
            world.inbox = configuration.inbox_save(tenant=world.tenant, actor=None, name="Support")
    return world.inbox


def _inbox_address(world):
    if not hasattr(world, "inbox_address"):
        with world.active():
            world.inbox_address = configuration.inbox_address_save(
                tenant=world.tenant,
                inbox=_inbox(world),
                channel="email",
                address=f"support@{world.tenant.slug}.example",
            )
    return world.inbox_address


def _inbound_event(world):
    """A failed event, so the retry URL really retries it in the control."""
    with world.active():
        event, _ = InboundEvent.objects.get_or_create(
            tenant=world.tenant,
            event_key="isolation",
            defaults={"provider": "postmark", "channel": "email", "status": "failed"},
        )
    return event


def _ticket(world):
    if not hasattr(world, "ticket"):
        with world.active():
            world.ticket = ticket_open(
                tenant=world.tenant, contact=world.contact, inbox=_inbox(world), subject="Leak"
            )
    return world.ticket


def _ticket_reply(world):
    """A reply (a message with a delivery status: an inbound one has none to poll)."""
    if not hasattr(world, "ticket_reply"):
        with world.active():
            world.ticket_reply = ticket_reply(
                tenant=world.tenant,
                actor=world.admin.user,
                ticket=_ticket(world),
                channel="sms",
                body="On our way",
                nonce="isolation",
            )
    return world.ticket_reply


def _inbound_message(world):
    """A message a customer sent, with the event it came in (the original to download)."""
    if not hasattr(world, "inbound_message"):
        with world.active():
            world.inbound_message = TicketMessage.objects.create(
                tenant=world.tenant,
                ticket=_ticket(world),
                direction="in",
                channel="email",
                body_text="The ceiling is wet.",
                inbound_event=InboundEvent.objects.create(
                    tenant=world.tenant,
                    event_key="isolation-inbound",
                    provider="postmark",
                    channel="email",
                    status="processed",
                    raw=b"Subject: Leak\r\n\r\nThe ceiling is wet.\r\n",
                ),
            )
    return world.inbound_message


def _ticket_attachment(world):
    if not hasattr(world, "ticket_attachment"):
        with world.active():
            note = ticket_add_note(
                tenant=world.tenant, actor=world.admin.user, ticket=_ticket(world), body="Photo"
            )
            attachment = TicketAttachment(
                tenant=world.tenant,
                message=note,
                token=f"isolation{world.tenant.pk}",
                filename="roof.txt",
                content_type="text/plain",
                size=4,
            )
            attachment.file.save("roof.txt", ContentFile(b"roof"), save=False)
            attachment.save()
            world.ticket_attachment = attachment
    return world.ticket_attachment


def _follow_up(world):
    if not hasattr(world, "follow_up"):
        with world.active():
            world.follow_up = follow_up_create(
                tenant=world.tenant,
                actor=world.admin.user,
                subject="Call back",
                contact=world.contact,
                assignee=world.rep,
                scheduled_at=timezone.now() + timedelta(days=1),
            )
    return world.follow_up


def _follow_up_filter(world):
    with world.active():
        return SavedFollowUpFilter.objects.get_or_create(
            tenant=world.tenant,
            membership=world.admin,
            name="Overdue",
            defaults={"query": "when=overdue"},
        )[0]


def _sequence(world):
    with world.active():
        sequence, _ = Sequence.objects.get_or_create(tenant=world.tenant, name="Onboarding")
        if not sequence.steps.exists():
            SequenceStep.objects.create(
                tenant=world.tenant,
                sequence=sequence,
                position=0,
                day_offset=2,
                kind="task",
                subject="Call them",
                follow_up_type=follow_up_type_get(tenant=world.tenant, key="call"),
            )
    return sequence


def _sequence_step(world):
    with world.active():
        return _sequence(world).steps.order_by("pk").first()


def _enrolment(world):
    with world.active():
        enrolment, _ = SequenceEnrolment.objects.get_or_create(
            tenant=world.tenant,
            sequence=_sequence(world),
            contact=world.contact,
            lead=None,
            status="active",
        )
    return enrolment


def _follow_up_type(world):
    with world.active():
        return follow_up_type_get(tenant=world.tenant, key="call")


def _follow_up_template(world):
    with world.active():
        return FollowUpTemplate.objects.get_or_create(
            tenant=world.tenant,
            name="Post-inspection call",
            defaults={
                "type": follow_up_type_get(tenant=world.tenant, key="call"),
                "subject": "How did the inspection go?",
            },
        )[0]


def _document(world):
    if not hasattr(world, "document"):
        with world.active():
            world.document = document_upload(
                tenant=world.tenant,
                file=ContentFile(photo_bytes("roof"), name="roof.jpg"),
                contact=world.contact,
                kind=DocumentKind.PHOTO,
                visible_to_customer=True,
                actor=world.admin,
            )
    return world.document


def _webhook_endpoint(world):
    if not hasattr(world, "webhook_endpoint"):
        with world.active():
            world.webhook_endpoint = endpoint_create(
                tenant=world.tenant,
                actor=world.admin.user,
                url="https://hooks.example.com/in",
                description="",
                events=["lead.created"],
            )
    return world.webhook_endpoint


def _api_key(world):
    if not hasattr(world, "api_key"):
        with world.active():
            world.api_key = api_key_create(
                tenant=world.tenant, actor=world.admin.user, name="Sync", scope="read"
            ).api_key
    return world.api_key


# URL keyword -> the object of a World it names.
OBJECT_KWARGS = {
    "lead_pk": lambda world: _lead(world).pk,
    "saved_filter_pk": lambda world: _saved_filter(world).pk,
    "quote_pk": lambda world: _quote(world).pk,
    "pipeline_pk": lambda world: _lead(world).pipeline_id,
    "stage_pk": lambda world: _unused_stage(world).pk,
    "source_pk": lambda world: _source(world).pk,
    "rule_pk": lambda world: _rule(world).pk,
    "time_off_pk": lambda world: _time_off(world).pk,
    "closed_day_pk": lambda world: _closed_day(world).pk,
    "capture_form_pk": lambda world: _capture_form(world).pk,
    "lead_import_pk": lambda world: _lead_import(world).pk,
    "contact_pk": lambda world: world.contact.pk,
    "other_pk": lambda world: _twin_contact(world).pk,  # contacts:merge-confirm, the twin
    "contact_email_pk": lambda world: _contact_address(world, "emails").pk,
    "contact_phone_pk": lambda world: _contact_address(world, "phones").pk,
    "brand_pk": lambda world: world.brand.pk,
    "membership_pk": lambda world: world.rep.pk,
    "notification_pk": lambda world: world.notification.pk,
    "property_pk": lambda world: world.property.pk,
    "trigger_pk": lambda world: _trigger(world).pk,
    "step_pk": lambda world: _trigger_step(world).pk,
    "template_pk": lambda world: _message_template(world).pk,
    "variant_pk": lambda world: _template_variant(world).pk,
    "message_pk": lambda world: _message(world).pk,
    "inbox_pk": lambda world: _inbox(world).pk,
    "address_pk": lambda world: _inbox_address(world).pk,
    "event_pk": lambda world: _inbound_event(world).pk,
    "ticket_pk": lambda world: _ticket(world).pk,
    "ticket_message_pk": lambda world: _ticket_reply(world).pk,
    "attachment_pk": lambda world: _ticket_attachment(world).pk,
    "inbound_message_pk": lambda world: _inbound_message(world).pk,
    "follow_up_pk": lambda world: _follow_up(world).pk,
    "follow_up_filter_pk": lambda world: _follow_up_filter(world).pk,
    "sequence_pk": lambda world: _sequence(world).pk,
    "sequence_step_pk": lambda world: _sequence_step(world).pk,
    "enrolment_pk": lambda world: _enrolment(world).pk,
    "follow_up_type_pk": lambda world: _follow_up_type(world).pk,
    "follow_up_template_pk": lambda world: _follow_up_template(world).pk,
    "document_pk": lambda world: _document(world).pk,
    "job_pk": lambda world: _lead(world).pk,
    "endpoint_pk": lambda world: _webhook_endpoint(world).pk,
    "api_key_pk": lambda world: _api_key(world).pk,
    "tax_rate_pk": lambda world: _tax_rate(world).pk,
    "invoice_pk": lambda world: _invoice(world).pk,
    "payment_pk": lambda world: _invoice_payment(world).pk,
    "claim_pk": lambda world: _claim(world).pk,
}

# Keywords that carry no tenant object, and why they are safe.
NON_OBJECT_KWARGS = {
    "uidb64": "password reset: a signed, expiring token, not a tenant object",
    "token": "a signed token: password reset; a customer's quote link and a web form's public "
    "link, each naming its tenant inside the signature (tests/leads/test_quotes.py, "
    "tests/leads/test_capture.py); a follow-up calendar feed's token (<tenant id>-<secret>, "
    "looked up only in that tenant, tests/followups/test_calendar_feed.py); a follow-up CSV "
    "import's token (cached per tenant and member); a document download link (signed with its "
    "tenant and its one requester, tests/documents/test_downloads.py); a portal sign-in link "
    "(<tenant id>.<secret>, looked up by its keyed hash only in that tenant, "
    "tests/portal/test_sign_in.py); a payment account's webhook token (random, found through "
    "PaymentRoute, the event then verified with that tenant's secret, "
    "tests/gateway/test_webhooks.py); a sandbox checkout link (signed with its tenant, "
    "tests/gateway/test_sandbox.py)",
    "section": "a dashboard section's name (aging, team …), not a tenant object; its figures are "
    "the signed-in member's tenant's (tests/dashboards/test_page.py)",
}

# Whole namespaces outside the tenant app, and why.
EXCLUDED_NAMESPACES = {
    "admin": "Django admin is for platform staff (is_staff); tenant members are redirected to its login",
    "api-v1": "the REST API answers a bearer key, never a session (401 here); another tenant's "
    "key reaching this one's objects is tested in tests/api/test_isolation.py",
}


def _walk(resolver, namespace=""):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = entry.namespace or ""
            full = f"{namespace}:{inner}" if namespace and inner else (inner or namespace)
            yield from _walk(entry, full)
        elif isinstance(entry, URLPattern) and entry.name:
            yield namespace, entry


def _kwarg_names(pattern: URLPattern) -> list[str]:
    converters = getattr(pattern.pattern, "converters", None)
    if converters is not None:
        return list(converters)
    return list(pattern.pattern.regex.groupindex)


def routes():
    found = []
    for namespace, pattern in _walk(get_resolver()):
        if namespace.split(":")[0] in EXCLUDED_NAMESPACES:
            continue
        name = f"{namespace}:{pattern.name}" if namespace else pattern.name
        found.append((name, _kwarg_names(pattern)))
    return found


def object_routes():
    return [
        (name, kwargs)
        for name, kwargs in routes()
        if kwargs and not set(kwargs) <= set(NON_OBJECT_KWARGS)
    ]


def portal_pages() -> set[str]:
    """Pages a customer's portal session opens (portal.auth.portal_customer_required), not a staff
    one: they are enumerated as a portal customer below, and staff get the portal's sign-in."""
    return {
        f"{namespace}:{pattern.name}" if namespace else pattern.name
        for namespace, pattern in _walk(get_resolver())
        if getattr(pattern.callback, "portal_customer_page", False)
    }


def staff_object_routes():
    return [(name, kwargs) for name, kwargs in object_routes() if name not in portal_pages()]


def portal_object_routes():
    return [(name, kwargs) for name, kwargs in object_routes() if name in portal_pages()]


def test_every_url_keyword_is_known():
    unknown = {
        (name, kwarg)
        for name, kwargs in routes()
        for kwarg in kwargs
        if kwarg not in OBJECT_KWARGS and kwarg not in NON_OBJECT_KWARGS
    }
    assert unknown == set(), "Map these URL keywords in OBJECT_KWARGS or NON_OBJECT_KWARGS"


def test_the_enumeration_finds_the_object_pages():
    names = {name for name, _ in object_routes()}
    assert {
        "contacts:detail",
        "settings:brand-edit",
        "settings:member-edit",
        "leads:detail",
        "leads:next-stage",
    } <= names


def _url(name, kwargs, world):
    return reverse(name, kwargs={kwarg: OBJECT_KWARGS[kwarg](world) for kwarg in kwargs})


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.ADMIN, Role.MANAGER, Role.REP])
@pytest.mark.parametrize(("name", "kwargs"), staff_object_routes())
def test_another_tenants_objects_are_out_of_reach(client, world, other_world, role, name, kwargs):
    sign_in(client, world.membership(role))
    url = _url(name, kwargs, other_world)
    answers = {"GET": client.get(url).status_code, "POST": client.post(url).status_code}
    refused = {method: code for method, code in answers.items() if code in (403, 404)}
    assert refused, f"{url} answered {answers} for a {role}"
    assert all(code in (403, 404, 405) for code in answers.values()), answers


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "kwargs"), staff_object_routes())
def test_own_objects_are_reachable_by_an_admin(client, world, name, kwargs):
    """The control: the same pages open for the owner, so the refusals above mean isolation."""
    sign_in(client, world.admin)
    world.notification.recipient = world.admin.user
    with world.active():
        world.notification.save()
    url = _url(name, kwargs, world)
    answers = {client.get(url).status_code, client.post(url).status_code}
    # 400 is an empty form refused by a POST-only page: it found the object and read the form.
    assert answers & {200, 302, 400}, f"{url} answered {answers}"


def _another_customer(world):
    """A second customer of the same business, linked to none of the world's objects."""
    stranger = ContactFactory(tenant=world.tenant)
    ContactEmailFactory(tenant=world.tenant, contact=stranger)
    return stranger


def test_the_enumeration_finds_the_portal_pages():
    assert "portal:job" in {name for name, _ in portal_object_routes()}


@pytest.mark.django_db
@pytest.mark.parametrize("customer", ["of another business", "of the same business"])
@pytest.mark.parametrize(("name", "kwargs"), portal_object_routes())
def test_a_portal_customer_reaches_only_their_own_objects(
    client, world, other_world, customer, name, kwargs
):
    if customer == "of another business":
        portal_sign_in(client, other_world.tenant, other_world.contact)
    else:
        portal_sign_in(client, world.tenant, _another_customer(world))
    url = _url(name, kwargs, world)
    answers = {"GET": client.get(url).status_code, "POST": client.post(url).status_code}
    refused = {method: code for method, code in answers.items() if code in (403, 404)}
    assert refused, f"{url} answered {answers} for a customer {customer}"
    assert all(code in (403, 404, 405) for code in answers.values()), answers


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "kwargs"), portal_object_routes())
def test_own_objects_are_reachable_by_their_portal_customer(client, world, name, kwargs):
    """The control: the world's own customer opens the same pages."""
    portal_sign_in(client, world.tenant, world.contact)
    url = _url(name, kwargs, world)
    responses = [client.get(url), client.post(url)]
    # A redirect to the sign-in page would mean the session did not open the page at all.
    reached = [
        r.status_code
        for r in responses
        if r.status_code in (200, 400)
        or (r.status_code == 302 and not r["Location"].startswith(reverse("portal:sign-in")))
    ]
    assert reached, f"{url} answered {[r.status_code for r in responses]}"


@pytest.mark.django_db
def test_another_members_notification_is_out_of_reach(client, world):
    sign_in(client, world.manager)
    response = client.post(reverse("notifications:read", args=[world.notification.pk]))
    assert response.status_code == 404
