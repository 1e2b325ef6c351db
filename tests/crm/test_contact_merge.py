"""Merging two contacts that are the same person: every row of the merged contact goes to the
survivor (leads, tickets, messages, documents, consent, addresses, portal access, timeline), the
survivor keeps both contacts' addresses, the merge is on the timeline and in the audit trail,
only managers and admins may do it, and a model pointing at a contact that a merge could not
move fails a test naming the file to declare it in."""

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.db import models
from django.urls import reverse
from django.utils import timezone

from crm.models import (
    AddressVerification,
    ConsentStatus,
    Contact,
    ContactConsent,
    ContactEmail,
    PropertyContact,
    Role,
    TimelineEvent,
)
from crm.privacy import (
    MergeRule,
    _merge_rules,
    contact_foreign_keys,
    merge_plan,
    unmerged_foreign_keys,
)
from crm.services.consent import consent_record
from crm.services.merge import contact_merge
from documents.models import Document
from leads.models import Lead
from messaging.models import ContactCommsProfile, OutboundMessage
from portal.models import PortalAccess
from tests import factories
from tests.conftest import sign_in
from tests.crm.test_erasure import EMAIL, PHONE, _erasable
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


def _counts(world, contact) -> dict[str, int]:
    with world.active():
        return {
            f"{model._meta.label}.{field.name}": model._default_manager.filter(
                **{field.name: contact.pk}
            ).count()
            for model, field in contact_foreign_keys()
        }


def test_every_foreign_key_to_a_contact_is_merged():
    """Each foreign key to crm.Contact is moved by a plain UPDATE or by a registered rule; a new
    model with, say, one row per contact fails here until its app declares how to merge it."""
    assert unmerged_foreign_keys() == []
    planned = {(model, field.name) for model, field, _rule in merge_plan()}
    assert (apps.get_model("leads.Lead"), "contact") in planned
    assert (apps.get_model("documents.Document"), "uploaded_by_contact") in planned
    assert (apps.get_model("comms.ContactCommsProfile"), "contact") in {
        (model, field.name) for model, field, rule in merge_plan() if rule is not None
    }


def test_a_model_pointing_at_contacts_without_a_merge_rule_is_named(monkeypatch):
    """Take a rule away (as if a new one-per-contact model had none): the check names it."""
    kept = [rule for rule in _merge_rules if rule.model != "portal.PortalAccess"]
    monkeypatch.setattr("crm.privacy._merge_rules", kept)
    problems = unmerged_foreign_keys()
    assert len(problems) == 1
    assert "portal.PortalAccess.contact" in problems[0]
    assert "portal/personal_data.py" in problems[0]


def test_a_rule_for_a_field_that_is_not_a_contact_key_is_named(monkeypatch):
    bogus = MergeRule("leads.Lead", "owner", lambda scope: None)
    monkeypatch.setattr("crm.privacy._merge_rules", [*_merge_rules, bogus])
    assert any("leads.Lead.owner" in problem for problem in unmerged_foreign_keys())


def test_merge_moves_every_row_and_keeps_both_contacts_addresses(world):
    merged, _own = _erasable(world)
    survivor = world.contact
    survivor_lead = factories.lead_for(world, title="Gutter repair")
    with world.active():
        # Both have the SMS channel: the survivor granted, the merged one said STOP below.
        consent_record(
            tenant=world.tenant,
            contact=survivor,
            channel="sms",
            status=ConsentStatus.GRANTED,
            source="web form",
        )
        ContactConsent.objects.filter(contact=merged, channel="sms").update(
            status=ConsentStatus.WITHDRAWN, source="STOP reply"
        )
        # They share an email: the merged contact's copy is verified, the survivor's not.
        ContactEmail.objects.create(
            tenant=world.tenant,
            contact=survivor,
            email=EMAIL,
            source="web_form",
        )
        ContactEmail.objects.filter(contact=merged).update(
            verified_at=timezone.now(), verified_how=AddressVerification.PORTAL_CODE
        )
        PortalAccess.objects.create(
            tenant=world.tenant, contact=survivor, last_signed_in_at=timezone.now()
        )
        ContactCommsProfile.objects.create(tenant=world.tenant, contact=survivor)
        ContactCommsProfile.objects.create(
            tenant=world.tenant, contact=merged, time_zone="America/Chicago"
        )
        survivor_emails = set(survivor.emails.values_list("email", flat=True))
        survivor_phones = {str(p) for p in survivor.phones.values_list("number", flat=True)}
        merged_leads = set(Lead.objects.filter(contact=merged).values_list("pk", flat=True))
        assert merged_leads
    before = _counts(world, merged)
    assert before["tickets.Ticket.contact"] == 1
    assert before["comms.OutboundMessage.contact"] == 1
    assert before["documents.Document.contact"] == 1

    with world.active():
        report = contact_merge(
            tenant=world.tenant,
            actor=world.manager.user,
            role=Role.MANAGER,
            survivor=survivor,
            merged=merged,
        )
        assert not Contact.objects.filter(pk=merged.pk).exists()
        assert set(Lead.objects.filter(contact=survivor).values_list("pk", flat=True)) == (
            merged_leads | {survivor_lead.pk}
        )
        assert Ticket.objects.filter(contact=survivor).count() == 1
        assert OutboundMessage.objects.filter(contact=survivor).count() == 1
        document = Document.objects.get(contact=survivor)
        assert document.uploaded_by_contact_id == survivor.pk
        # Both contacts' addresses, the shared email once and verified.
        assert set(survivor.emails.values_list("email", flat=True)) == survivor_emails | {EMAIL}
        shared = ContactEmail.objects.get(contact=survivor, email=EMAIL)
        assert shared.is_verified
        phones = {str(p) for p in survivor.phones.values_list("number", flat=True)}
        assert phones == survivor_phones | {PHONE}
        assert ContactEmail.objects.filter(contact=survivor, is_primary=True).count() == 1
        # The stricter consent stays: a merge never undoes a STOP.
        sms = ContactConsent.objects.get(contact=survivor, channel="sms")
        assert sms.status == ConsentStatus.WITHDRAWN and sms.source == "STOP reply"
        assert PortalAccess.objects.filter(contact=survivor).count() == 1
        profile = ContactCommsProfile.objects.get(contact=survivor)
        assert profile.time_zone == "America/Chicago"
        # The shared property is linked once.
        assert (
            PropertyContact.objects.filter(contact=survivor, property=world.property).count() == 1
        )
        event = TimelineEvent.objects.get(contact=survivor, kind="contact.merged")
        assert "Zelda Quarrington" in event.summary
        assert event.actor == world.manager.user
        assert event.detail["merged"] == report.merged_id
        # The audit trail: the merged contact's deletion carries the merge's context.
        history = apps.get_model("crm", "ContactEvent")
        deleted = history.objects.get(pgh_obj_id=merged.pk, pgh_label="delete")
        assert deleted.pgh_context["contact_merge"]["survivor"] == survivor.pk
    after = _counts(world, merged)
    assert all(count == 0 for count in after.values()), after
    assert report.moved["leads"] == len(merged_leads)


def test_merge_is_for_managers_and_admins(world):
    other = factories.ContactFactory(tenant=world.tenant)
    with world.active(), pytest.raises(PermissionDenied):
        contact_merge(
            tenant=world.tenant,
            actor=world.rep.user,
            role=Role.REP,
            survivor=world.contact,
            merged=other,
        )


def test_merge_pages_show_both_contacts_and_merge_on_confirmation(client, world):
    other = factories.ContactFactory(
        tenant=world.tenant, first_name=world.contact.first_name, last_name="Twin"
    )
    factories.ContactPhoneFactory(tenant=world.tenant, contact=other, number="+13055550188")
    lead = factories.lead_for(world, contact=other, title="Skylight")
    sign_in(client, world.rep)
    assert client.get(reverse("contacts:merge", args=[world.contact.pk])).status_code == 403
    confirm = reverse("contacts:merge-confirm", args=[world.contact.pk, other.pk])
    assert client.post(confirm, {"keep": world.contact.pk}).status_code == 403

    sign_in(client, world.manager)
    page = client.get(confirm).content.decode()
    assert world.contact.display_name in page and other.display_name in page
    assert "+1 305-555-0188" in page and "Keep this one" in page
    assert "1 lead" in page and "1 email address" in page
    # The older contact is offered as the one to keep.
    assert f'value="{world.contact.pk}" checked' in page
    response = client.post(confirm, {"keep": other.pk})
    assert response.status_code == 302
    assert response.url == reverse("contacts:detail", args=[other.pk])
    with world.active():
        assert not Contact.objects.filter(pk=world.contact.pk).exists()
        assert Lead.objects.get(pk=lead.pk).contact_id == other.pk
        assert other.emails.count() == 1  # the world contact's email came along
    detail = client.get(response.url).content.decode()
    assert "Merged with" in detail


def test_the_contact_page_offers_merge_to_managers_only(client, world):
    url = reverse("contacts:detail", args=[world.contact.pk])
    merge = reverse("contacts:merge", args=[world.contact.pk])
    sign_in(client, world.rep)
    assert merge not in client.get(url).content.decode()
    sign_in(client, world.manager)
    assert merge in client.get(url).content.decode()


def test_merge_choose_lists_contacts_sharing_an_address(client, world):
    with world.active():
        phone = world.contact.phones.first().number
    twin = factories.ContactFactory(tenant=world.tenant, first_name="Someone", last_name="Else")
    factories.ContactPhoneFactory(tenant=world.tenant, contact=twin, number=phone)
    stranger = factories.ContactFactory(tenant=world.tenant, first_name="No", last_name="Match")
    sign_in(client, world.manager)
    page = client.get(reverse("contacts:merge", args=[world.contact.pk])).content.decode()
    assert reverse("contacts:merge-confirm", args=[world.contact.pk, twin.pk]) in page
    assert reverse("contacts:merge-confirm", args=[world.contact.pk, stranger.pk]) not in page


def test_contact_foreign_keys_skip_history_tables():
    for model, field in contact_foreign_keys():
        assert not hasattr(model, "pgh_tracked_model")
        assert isinstance(field, models.ForeignKey)
