"""Words on staff pages that used to stay English whatever the reader's language: a stage's
allowed delays, the inbox's tabs, durations kept in stored sentences, the outbox's delivery
log, document kinds and the capture form's new-link message."""

import datetime as dt
import zoneinfo
from types import SimpleNamespace

from django.template import Context, Template
from django.utils import timezone, translation

from crm.kit.formatting import duration, local_date, stored_duration
from crm.kit.stored_text import (
    stored_columns,
    stored_date,
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


def test_a_date_reads_in_the_reader_language_and_order():
    day = dt.date(2026, 11, 22)
    with translation.override("en"):
        assert local_date(day, "month_day") == "Nov 22"
        assert local_date(day, "date") == "Nov 22, 2026"
    with translation.override("nl"):
        assert local_date(day, "month_day") == "22 nov"
        assert local_date(day, "date") == "22 nov 2026"
    assert local_date(day, "month_day", language="es") == "22 nov"


def test_a_stored_date_is_kept_in_english_and_shown_in_the_reader_language():
    when = dt.datetime(2026, 11, 24, 9, 30, tzinfo=zoneinfo.ZoneInfo("Europe/Amsterdam"))
    message = stored_message("skipped on %(when)s", when=stored_date(when, "weekday_month_day"))
    text, params = stored_columns(message)
    assert text == "skipped on Tue Nov 24"
    with translation.override("nl"):
        assert stored_render(text, params) == "skipped on di 24 nov"


def test_a_template_date_follows_the_page_language():
    when = dt.datetime(2026, 11, 28, 23, 17, tzinfo=dt.UTC)
    template = Template('{{ when|local_date:"datetime" }}')
    with translation.override("nl"), timezone.override(dt.UTC):
        assert template.render(Context({"when": when})) == "28 nov 2026 23:17"
    with translation.override("en"), timezone.override(dt.UTC):
        assert template.render(Context({"when": when})) == "Nov 28, 2026 11:17 PM"
