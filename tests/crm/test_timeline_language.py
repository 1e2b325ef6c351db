"""Timeline events are stored as an English msgid and its values (crm.kit.stored_text) and read in
the reader's language; rows written before that, and free text, read as they were stored."""

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_noop

from crm.kit.stored_text import stored_label, stored_render
from crm.models import AddressSource, Notification, TimelineEvent
from crm.services.contacts import contact_update
from crm.services.notifications import notification_create
from crm.services.timeline import timeline_record
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db

CONFIRMED = gettext_noop("Confirmed %(address)s as the contact's own (it came from %(origin)s)")


def _confirmed(world) -> TimelineEvent:
    with world.active(), translation.override("en"):
        return timeline_record(
            tenant=world.tenant,
            kind="contact.address_confirmed",
            summary=CONFIRMED,
            params={
                "address": "ana@example.com",
                "origin": stored_label(AddressSource.WEB_FORM.label),
            },
            contact=world.contact,
        )


def test_an_event_written_in_english_reads_in_dutch_to_a_dutch_reader(world):
    event = _confirmed(world)
    english = "Confirmed ana@example.com as the contact's own (it came from Web form)"
    assert event.summary == english  # the stored text is the finished English sentence
    assert event.summary_params["_msgid"] == CONFIRMED
    with world.active():
        event.refresh_from_db()
    with translation.override("nl"):
        assert event.shown_summary == (
            "ana@example.com bevestigd als eigen adres van het contact (het kwam via Webformulier)"
        )
    with translation.override("en"):
        assert event.shown_summary == english


def test_the_written_language_does_not_matter(world):
    """A Dutch writer stores English; the English reader reads English."""
    with world.active(), translation.override("nl"):
        event = timeline_record(
            tenant=world.tenant,
            kind="contact.address_confirmed",
            summary=CONFIRMED,
            params={"address": "x@example.com", "origin": stored_label(AddressSource.STAFF.label)},
            contact=world.contact,
        )
    assert event.summary == (
        "Confirmed x@example.com as the contact's own (it came from Typed by staff)"
    )
    with translation.override("en"):
        assert event.shown_summary == event.summary


def test_the_contact_page_shows_the_event_in_the_members_language(client, world):
    _confirmed(world)
    user = world.rep.user
    user.language = "nl"
    user.save(update_fields=["language"])
    sign_in(client, world.rep)
    page = client.get(reverse("contacts:detail", args=[world.contact.pk])).content.decode()
    assert "bevestigd als eigen adres van het contact (het kwam via Webformulier)" in page
    assert "as the contact&#x27;s own" not in page


def test_a_service_written_event_reads_in_dutch(world):
    with world.active(), translation.override("en"):
        contact_update(
            tenant=world.tenant, actor=world.manager.user, contact=world.contact, first_name="Zoë"
        )
        event = TimelineEvent.objects.get(contact=world.contact, kind="contact.updated")
    assert event.summary.startswith("Details changed: ")
    with translation.override("nl"):
        assert event.shown_summary.startswith("Gegevens gewijzigd: ")
        assert "Zoë" in event.shown_summary


def test_an_old_row_without_params_reads_as_stored(world):
    with world.active():
        event = TimelineEvent.objects.create(
            tenant=world.tenant,
            kind="contact.created",
            summary="Contact created (web form) at 100%(s)",
            contact=world.contact,
        )
        event.refresh_from_db()
    assert event.summary_params == {}
    with translation.override("nl"):
        assert event.shown_summary == "Contact created (web form) at 100%(s)"
    # Free text (a note) is recorded without params and reads as written, too.
    with world.active():
        note = timeline_record(
            tenant=world.tenant, kind="lead.note", summary="Reopened", contact=world.contact
        )
    assert note.summary_params == {}
    assert stored_render(note.summary, None) == "Reopened"


def test_a_missing_or_unfitting_value_falls_back_to_the_stored_english(world):
    event = _confirmed(world)
    del event.summary_params["origin"]
    with translation.override("nl"):
        assert event.shown_summary == event.summary
    event.summary_params["origin"] = {"_msgid": "%(nothing)s", "something": 1}
    with translation.override("nl"):
        assert event.shown_summary == event.summary
    assert stored_render("as stored", {"_msgid": "%(count)d things", "count": "many"}) == (
        "as stored"
    )


def test_an_unknown_msgid_reads_in_english():
    params = {"_msgid": "Something new about %(name)s", "name": "Ana"}
    with translation.override("nl"):
        assert stored_render("stored", params) == "Something new about Ana"


def test_a_label_value_reads_in_the_readers_language():
    params = {"_msgid": "%(origin)s", "origin": stored_label(AddressSource.WEB_FORM.label)}
    with translation.override("es"):
        spanish = stored_render("Web form", params)
    with translation.override("nl"):
        assert stored_render("Web form", params) == "Webformulier"
    assert spanish != "Web form"


# --- Notifications: the same, for the bell -------------------------------------------------------

NEEDS_OWNER = gettext_noop("New lead %(reference)s needs an owner")


def _notify(world, reference: str):
    with world.active(), translation.override("en"):
        return notification_create(
            tenant=world.tenant,
            recipient=world.rep.user,
            title=NEEDS_OWNER,
            title_params={"reference": reference},
            body="Free text stays as it is",
            kind="lead_assigned",
            group="lead_needs_owner",
        )


def test_a_notification_reads_in_the_recipients_language(world):
    notification = _notify(world, "L-7")
    assert notification.title == "New lead L-7 needs an owner"
    with translation.override("nl"):
        assert notification.shown_title == "Nieuwe lead L-7 heeft een eigenaar nodig"
        assert notification.shown_body == "Free text stays as it is"


def test_a_group_counts_and_reads_in_the_recipients_language(client, world):
    _notify(world, "L-7")
    group = _notify(world, "L-8")
    assert group.count == 2 and group.title == "2 new leads need an owner"
    assert group.body == "Latest: New lead L-8 needs an owner"
    with translation.override("nl"):
        assert group.shown_body == "Laatste: Nieuwe lead L-8 heeft een eigenaar nodig"
        assert group.shown_title == "2 nieuwe leads hebben een eigenaar nodig"
        with world.active():
            items = [item.shown_title for item in group.items.order_by("created_at", "pk")]
    assert items == [
        "Nieuwe lead L-7 heeft een eigenaar nodig",
        "Nieuwe lead L-8 heeft een eigenaar nodig",
    ]
    group = _notify(world, "L-9")
    assert group.count == 3
    user = world.rep.user
    user.language = "nl"
    user.save(update_fields=["language"])
    sign_in(client, world.rep)
    page = client.get(reverse("notifications:list")).content.decode()
    assert "Laatste: Nieuwe lead L-9 heeft een eigenaar nodig" in page
    assert "Latest:" not in page


def test_an_old_notification_reads_as_stored(world):
    with world.active():
        notification = Notification.objects.create(
            tenant=world.tenant, recipient=world.rep.user, title="Reopened", body="100%(s)"
        )
        notification.refresh_from_db()
    with translation.override("nl"):
        assert notification.shown_title == "Reopened"
        assert notification.shown_body == "100%(s)"


def test_values_are_stored_as_json_keeps_them(world):
    import datetime as dt
    from decimal import Decimal

    from django.utils.translation import gettext_lazy

    with world.active(), translation.override("nl"):  # a lazy value is stored in English
        event = timeline_record(
            tenant=world.tenant,
            kind="contact.note",
            summary=gettext_noop("%(a)s, %(b)s, %(c)s"),
            params={"a": gettext_lazy("Web form"), "b": Decimal("1.50"), "c": dt.date(2026, 1, 2)},
            contact=world.contact,
        )
        event.refresh_from_db()
    assert event.summary == "Web form, 1.50, 2026-01-02"
    assert event.summary_params == {
        "_msgid": "%(a)s, %(b)s, %(c)s",
        "a": "Web form",
        "b": "1.50",
        "c": "2026-01-02",
    }
