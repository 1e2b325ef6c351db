"""Words on staff pages that used to stay English whatever the reader's language: a stage's
allowed delays, the inbox's tabs, durations kept in stored sentences, the outbox's delivery
log, document kinds and the capture form's new-link message."""

import datetime as dt
from types import SimpleNamespace

from django.utils import translation

from crm.kit.formatting import duration, stored_duration
from crm.kit.stored_text import (
    stored_columns,
    stored_message,
    stored_render,
    stored_translated,
)
from documents.models import DocumentKind
from leads.aging import describe_delay
from leads.models import DelayUnit
from messaging.tracking import _twilio_detail
from tickets.forms.inbox import InboxFilterForm


def stage(orange, red, unit=DelayUnit.BUSINESS_DAYS):
    return SimpleNamespace(orange_after=orange, red_after=red, delay_unit=unit)


def test_a_stage_delay_reads_in_the_reader_language():
    with translation.override("nl"):
        assert describe_delay(stage(2, 5)) == "oranje na 2 werkdagen, rood na 5 werkdagen"
        assert describe_delay(stage(None, 1)) == "rood na 1 werkdag"
        assert describe_delay(stage(None, None)) == "geen tijdslimiet"
        assert describe_delay(stage(4, None, DelayUnit.HOURS)) == "oranje na 4u"
    with translation.override("es"):
        assert describe_delay(stage(None, None)) == "sin límite de tiempo"
    with translation.override("en"):
        assert (
            describe_delay(stage(2, 5)) == "orange after 2 business days, red after 5 business days"
        )


def test_the_inbox_tabs_read_in_dutch():
    with translation.override("nl"):
        labels = [str(label) for _value, label in InboxFilterForm.base_fields["view"].choices]
    assert "SLA overschreden" in labels
    assert "SLA breached" not in labels
    assert "Mine" not in labels


def test_a_stored_duration_reads_in_the_language_of_whoever_reads_it():
    with translation.override("nl"):
        text, params = stored_columns(
            stored_message(
                "First contact after %(duration)s (%(channel)s)",
                duration=stored_duration(122),
                channel=stored_message("phone"),
            )
        )
    assert text == "First contact after 2 hours 2 minutes (phone)"
    with translation.override("nl"):
        shown = stored_render(text, params)
    assert "2 uur 2 minuten" in shown and "telefoon" in shown
    with translation.override("es"):
        assert stored_render(text, params).endswith("2 horas 2 minutos (teléfono)")


def test_duration_is_the_stored_duration_read_now():
    for minutes in (0, 1, 9, 65, 122, 600, 1440, 1500, 4000):
        with translation.override("nl"):
            assert duration(minutes) == stored_translated(stored_duration(minutes))
    assert duration(dt.timedelta(seconds=20)) == "less than a minute"
    with translation.override("nl"):
        assert duration(9) == "9 minuten"
        assert duration(1500) == "1 dag 1 uur"


def test_the_outbox_log_keeps_a_delivery_in_english_and_shows_it_in_dutch():
    detail = _twilio_detail("delivered", "")
    text, params = stored_columns(detail)
    assert text == "Delivered (Twilio)"
    with translation.override("nl"):
        assert stored_render(text, params) == "Afgeleverd (Twilio)"


def test_document_kinds_read_in_dutch():
    with translation.override("nl"):
        assert str(DocumentKind.INSURANCE.label) != "Insurance paper"
        assert str(DocumentKind.PHOTO.label) == "Foto"
