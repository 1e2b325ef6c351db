"""English words that used to reach Dutch and Spanish pages: choice labels, form labels, the
sentences that put a status, a view or a date into a translated text, and strings built in
Python. They now go through gettext, and the sentences kept in the database in English keep
their labels English (crm.kit.languages.in_english).

Labels are lazy translation proxies, English reads as before, and labels and sentences come
out in Dutch and Spanish (TestDutchAndSpanish).
"""

import datetime as dt
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation
from django.utils.functional import Promise

from automation.models import EnrolmentStatus, StepKind, TriggerOn
from crm.kit.formatting import or_list, short_date
from crm.kit.languages import in_english
from crm.models import PhoneKind
from dashboards.selectors.anomalies import METRICS, Comparison
from followups.models import FollowUp
from followups.models import Status as FollowUpStatus
from leads.aging import Aging
from leads.filters import LeadFilter
from leads.forms.capture import CaptureFormSettingsForm
from leads.models import CallOutcome, LeadEvent, LostReason, PaymentMethod, Stage
from leads.progress import Segment
from messaging.models import MessageStatus
from tickets.forms.inbox import BulkActionForm
from tickets.models import Priority as TicketPriority
from tickets.models import SlaEventKind, TicketStatus

TEMPLATES = Path(settings.BASE_DIR) / "templates"


def in_language(language: str, text) -> str:
    with translation.override(language):
        return str(text)


# --- Pass now -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "member",
    [
        LostReason.PRICE,
        LostReason.OTHER,
        TicketStatus.WAITING,
        TicketPriority.URGENT,
        EnrolmentStatus.ACTIVE,
        EnrolmentStatus.STOPPED,
        FollowUpStatus.COMPLETED,
        LeadEvent.QUOTE_SENT,
        CallOutcome.VOICEMAIL,
        PaymentMethod.BANK_TRANSFER,
        PhoneKind.MOBILE,
        MessageStatus.BOUNCED,
        SlaEventKind.BREACHED,
        StepKind.MESSAGE,
        TriggerOn.LEAD_LOST,
    ],
)
def test_choice_labels_are_lazy_translations(member):
    assert isinstance(member.label, Promise)


def test_english_labels_read_as_before():
    with translation.override("en"):
        assert str(LostReason.OTHER.label) == "Other"
        assert str(LostReason.NOT_OUR_WORK.label) == "Job we don't do"
        assert str(EnrolmentStatus.STOPPED.label) == "Stopped"
        assert Stage(moves_on=LeadEvent.QUOTE_SENT).get_moves_on_display() == "Quote sent"
        assert str(CaptureFormSettingsForm.base_fields["is_active"].label) == "Accept submissions"


def test_form_labels_and_choices_are_lazy():
    assert isinstance(CaptureFormSettingsForm.base_fields["is_active"].label, Promise)
    keep_label = dict(BulkActionForm.base_fields["status"].choices)[""]
    assert isinstance(keep_label, Promise)


def test_known_labels_already_come_out_translated():
    """Msgids the catalogues held before this branch: translated now that the labels are marked."""
    assert in_language("nl", FollowUpStatus.COMPLETED.label) == "Afgerond"
    assert in_language("es", FollowUpStatus.COMPLETED.label) == "Completado"
    assert in_language("nl", EnrolmentStatus.STOPPED.label) == "Gestopt"
    assert in_language("es", LostReason.OTHER.label) == "Otro"
    assert in_language("nl", BulkActionForm.base_fields["status"].choices[0][1]) == (
        "Status: ongewijzigd"
    )


def test_a_status_in_a_sentence_is_the_translated_label():
    """followups.services.followups: "This follow-up is already %(status)s." with the label."""
    follow_up = FollowUp(status=FollowUpStatus.COMPLETED)
    with translation.override("nl"):
        sentence = translation.gettext("This follow-up is already %(status)s.") % {
            "status": follow_up.get_status_display().lower()
        }
    assert sentence == "Deze opvolging is al afgerond."


def test_the_aging_filter_offers_its_colours_in_the_page_language():
    with translation.override("nl"):
        choices = dict(LeadFilter.base_filters["aging"].field.choices)
    assert choices["green"] == "Op tijd"
    with translation.override("en"):
        assert str(Aging.ORANGE.label) == "Getting late"


def test_stored_english_sentences_keep_english_labels():
    with translation.override("nl"):
        assert in_english(LostReason.PRICE.label) == "Price"
        assert in_english(FollowUpStatus.COMPLETED.label) == "Completed"
        assert str(FollowUpStatus.COMPLETED.label) == "Afgerond"


def test_or_list_and_short_date_in_english():
    with translation.override("en"):
        assert or_list(["email"]) == "email"
        assert or_list(["email", "SMS", "WhatsApp"]) == "email, SMS or WhatsApp"
        assert short_date(dt.date(2026, 3, 5)) == "Mar 5, 2026"


def test_a_date_in_a_sentence_names_the_month_in_the_reader_language():
    """Django's own catalogues name the months: no strftime in a translated sentence."""
    with translation.override("es"):
        assert short_date(dt.date(2026, 1, 5)) == "5 ene 2026"


def test_the_progress_bar_reads_in_english_as_before():
    with translation.override("en"):
        assert Segment(Stage(name="Survey"), "past", "skipped").title == "Survey: skipped"
        assert Segment(Stage(name="Survey"), "future", "").title == "Survey: not yet"


def test_the_calendar_and_enrolment_pages_put_no_raw_value_in_a_sentence():
    calendar = (TEMPLATES / "followups" / "calendar.html").read_text(encoding="utf8")
    assert "{{ view }}" not in calendar
    assert '{% translate "Previous week" %}' in calendar
    enrolments = (TEMPLATES / "automation" / "sequences" / "enrolments.html").read_text(
        encoding="utf8"
    )
    assert "Nobody {{ status }}" not in enrolments
    assert "{{ enrolment.shown_stop_reason }}" in enrolments


def test_an_anomaly_reads_in_english_as_before():
    comparison = Comparison(
        metric=METRICS[0],
        week_end=dt.datetime(2026, 3, 1, tzinfo=dt.UTC),
        week_label="the last 7 days",
        week_title="Last 7 days",
        value=4,
        baseline=[18.0, 15.0, 21.0, 18.0],
        flagged=True,
    )
    with translation.override("en"):
        assert comparison.sentence == (
            "New leads: 4 in the last 7 days vs 18 ± 2 over the previous 4 weeks"
        )


# --- Need the merged catalogues (msgids new in this branch) -------------------------------------


class TestDutchAndSpanish:
    """The words the catalogues give these labels and sentences."""

    def test_lost_reasons(self):
        assert in_language("nl", LostReason.PRICE.label) == "Prijs"
        assert in_language("es", LostReason.PRICE.label) == "Precio"
        assert in_language("nl", LostReason.COMPETITOR.label) == "Koos een concurrent"

    def test_ticket_status_and_priority(self):
        assert in_language("nl", TicketStatus.WAITING.label) == "Wacht op klant"
        assert in_language("es", TicketStatus.RESOLVED.label) == "Resuelto"
        assert in_language("nl", TicketPriority.URGENT.label) == "Dringend"

    def test_stage_events(self):
        stage = Stage(moves_on=LeadEvent.QUOTE_SENT)
        with translation.override("nl"):
            assert stage.get_moves_on_display() == "Offerte verstuurd"
        with translation.override("es"):
            assert stage.get_moves_on_display() == "Presupuesto enviado"

    def test_lead_form_labels(self):
        label = CaptureFormSettingsForm.base_fields["is_active"].label
        assert in_language("nl", label) == "Inzendingen accepteren"
        assert in_language("es", label) == "Aceptar envíos"

    def test_or_list(self):
        with translation.override("nl"):
            assert or_list(["e-mail", "sms", "WhatsApp"]) == "e-mail, sms of WhatsApp"
        with translation.override("es"):
            assert or_list(["correo", "SMS"]) == "correo o SMS"

    def test_calendar_navigation(self):
        assert in_language("nl", translation.gettext_lazy("Previous week")) == "Vorige week"
        assert in_language("es", translation.gettext_lazy("Previous month")) == "Mes anterior"

    def test_progress_bar(self):
        with translation.override("nl"):
            assert Segment(Stage(name="Survey"), "past", "skipped").title == (
                "Survey: overgeslagen"
            )
        with translation.override("es"):
            assert Segment(Stage(name="Survey"), "future", "").title == "Survey: todavía no"

    def test_stop_reason_by_hand(self):
        assert in_language("nl", translation.gettext_lazy("Stopped by hand")) == (
            "Met de hand gestopt"
        )
