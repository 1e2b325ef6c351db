"""Stored sentences that depend on a number (crm.kit.stored_text.stored_plural), and the stored
messages of the webhook-disabled alert and of a sequence's stop reason: kept in English, read in
the reader's language."""

import pytest
from django.utils import translation
from django.utils.translation import gettext_noop

from automation.models import SequenceEnrolment
from crm.kit.stored_text import (
    COUNT,
    ngettext_noop,
    stored_english,
    stored_label,
    stored_list,
    stored_message,
    stored_params,
    stored_plural,
    stored_render,
    stored_split,
    stored_translated,
)
from crm.models import Notification
from crm.services.notifications import notification_create
from crm.services.timeline import timeline_record
from leads.models import LostReason
from tests.webhooks.conftest import subscribe
from webhooks.services.deliveries import endpoint_disable_failing

CANCELLED = ngettext_noop(
    "%(count)d scheduled message cancelled: %(reason)s",
    "%(count)d scheduled messages cancelled: %(reason)s",
)
NEW_LEADS = ngettext_noop(
    "%(count)d new lead for you from %(name)s",
    "%(count)d new leads for you from %(name)s",
)


def _stored(message: dict) -> tuple[str, dict]:
    """(the English text, the params) as timeline_record / notification_create store them."""
    msgid, values = stored_split(message)
    return stored_english(msgid, values), stored_params(msgid, values)


def test_the_marker_gives_back_both_forms():
    assert CANCELLED == (
        "%(count)d scheduled message cancelled: %(reason)s",
        "%(count)d scheduled messages cancelled: %(reason)s",
    )


def test_english_takes_the_singular_for_one_and_the_plural_otherwise():
    for count, english in (
        (1, "1 scheduled message cancelled: the lead was lost"),
        (3, "3 scheduled messages cancelled: the lead was lost"),
        (0, "0 scheduled messages cancelled: the lead was lost"),
    ):
        text, params = _stored(stored_plural(*CANCELLED, count, reason="the lead was lost"))
        assert text == english
        assert params["_msgid"] == CANCELLED[0] and params["_plural"] == CANCELLED[1]
        assert (params[COUNT], params["count"]) == (count, count)
        with translation.override("en"):
            assert stored_render(text, params) == english


def test_a_plural_row_without_its_count_reads_as_stored():
    text, params = _stored(stored_plural(*CANCELLED, 3, reason="gone"))
    del params[COUNT]
    with translation.override("nl"):
        assert stored_render(text, params) == "3 scheduled messages cancelled: gone"
    params[COUNT] = "many"  # not a number: the stored English
    with translation.override("nl"):
        assert stored_render(text, params) == "3 scheduled messages cancelled: gone"


def test_a_plural_nests_as_another_messages_value():
    latest = stored_plural(*NEW_LEADS, 2, name="expo.csv")
    text = stored_english(gettext_noop("Latest: %(title)s"), {"title": latest})
    assert text == "Latest: 2 new leads for you from expo.csv"


def test_a_list_joins_its_items_with_a_separator_in_the_readers_language():
    """A list value (stored_list): texts and messages, joined by a translated " and "."""
    reasons = stored_list(
        [stored_message(gettext_noop("off today")), "Miami"],
        stored_message(gettext_noop(" and ")),
    )
    msgid, params = stored_split(
        stored_message(
            gettext_noop("Assigned to %(owner)s (%(reason)s)"), owner="Sam", reason=reasons
        )
    )
    stored = stored_params(msgid, params)
    assert stored_english(msgid, params) == "Assigned to Sam (off today and Miami)"
    with translation.override("nl"):
        assert stored_render("", stored) == "Toegewezen aan Sam (vandaag vrij en Miami)"
        assert stored_translated(reasons) == "vandaag vrij en Miami"


@pytest.mark.django_db
def test_a_cancelled_event_reads_one_and_three_in_dutch(world):
    events = []
    for count in (1, 3):
        summary, params = stored_split(stored_plural(*CANCELLED, count, reason="quote Q-1"))
        with world.active(), translation.override("nl"):  # the writer's language does not matter
            events.append(
                timeline_record(
                    tenant=world.tenant,
                    kind="message.cancelled",
                    summary=summary,
                    params=params,
                    contact=world.contact,
                )
            )
    assert [event.summary for event in events] == [
        "1 scheduled message cancelled: quote Q-1",
        "3 scheduled messages cancelled: quote Q-1",
    ]
    with translation.override("nl"):
        assert [event.shown_summary for event in events] == [
            "1 gepland bericht geannuleerd: quote Q-1",
            "3 geplande berichten geannuleerd: quote Q-1",
        ]
    with translation.override("es"):
        assert events[1].shown_summary == "3 mensajes programados cancelados: quote Q-1"


@pytest.mark.django_db
def test_an_import_notification_reads_one_and_three_in_dutch(world):
    shown = []
    for count in (1, 3):
        title, title_params = stored_split(stored_plural(*NEW_LEADS, count, name="expo.csv"))
        with world.active(), translation.override("en"):
            notification = notification_create(
                tenant=world.tenant,
                recipient=world.rep.user,
                title=title,
                title_params=title_params,
            )
        assert notification.title == (
            "1 new lead for you from expo.csv"
            if count == 1
            else "3 new leads for you from expo.csv"
        )
        with translation.override("nl"):
            shown.append(notification.shown_title)
    assert shown == [
        "1 nieuwe lead voor je uit expo.csv",
        "3 nieuwe leads voor je uit expo.csv",
    ]


@pytest.mark.django_db
def test_the_webhook_disabled_alert_reads_in_the_admins_language(world):
    endpoint = subscribe(world, "https://books.example.com/in")
    with world.active(), translation.override("nl"):
        endpoint.consecutive_failures = 8
        endpoint_disable_failing(tenant=world.tenant, endpoint=endpoint)
        [alert] = Notification.objects.filter(recipient=world.admin.user)
    assert alert.title == "Webhook disabled: https://books.example.com/in"
    assert alert.body.startswith("Disabled automatically: 8 delivery attempts in a row failed")
    assert alert.body.endswith("the log shows each attempt's answer.")
    assert alert.body_params["reason"]["count"] == 8
    with translation.override("nl"):
        assert alert.shown_title == "Webhook uitgeschakeld: https://books.example.com/in"
        assert "8" in alert.shown_body and "Disabled" not in alert.shown_body
    with translation.override("en"):
        assert alert.shown_body == alert.body


def _enrolment(reason) -> SequenceEnrolment:
    if isinstance(reason, dict):
        text, params = _stored(reason)
    else:
        text, params = reason, None
    return SequenceEnrolment(stop_reason=text, stop_reason_params=params)


def test_a_stop_reason_keeps_its_english_and_its_message():
    lost = stored_message(
        gettext_noop("The lead was lost (%(reason)s)"),
        reason=stored_label(LostReason.COMPETITOR.label),
    )
    enrolment = _enrolment(lost)
    assert enrolment.stop_reason == "The lead was lost (Chose a competitor)"
    assert enrolment.stop_reason_params["_msgid"] == "The lead was lost (%(reason)s)"
    with translation.override("en"):
        assert enrolment.shown_stop_reason == "The lead was lost (Chose a competitor)"


def test_a_bare_or_free_stop_reason_reads_as_before():
    with translation.override("nl"):
        assert _enrolment("Stopped by hand").shown_stop_reason == "Met de hand gestopt"
        assert _enrolment("Paid at the counter").shown_stop_reason == "Paid at the counter"
        assert _enrolment("").shown_stop_reason == ""


def test_a_stop_reason_reads_in_dutch():
    enrolment = _enrolment(
        stored_message(gettext_noop("Email to %(address)s bounced"), address="a@example.com")
    )
    with translation.override("nl"):
        assert enrolment.shown_stop_reason == "E-mail aan a@example.com kwam niet aan"
