"""The one event mechanism: who hears each event, in which order, and how a failure travels."""

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings

from billing.events import (
    InvoiceOverdue,
    InvoicePaid,
    InvoicePaymentApplied,
    InvoicePaymentFailed,
    InvoicePaymentRefunded,
    InvoiceSent,
    InvoiceVoided,
)
from crm.events import (
    ConsentRecorded,
    ContactChanged,
    ContactErased,
    CustomerWrote,
    MembershipChanged,
    NotificationsCreated,
    publish,
    subscribers,
)
from followups.events import FollowUpCompleted, FollowUpRescheduled
from gateway.events import CheckoutFailed, CheckoutPaid, CheckoutRefunded
from leads.events import (
    LeadCreated,
    LeadLost,
    LeadRegrouped,
    LeadStageEntered,
    LeadWon,
    PaymentRecorded,
    QuoteAccepted,
    QuoteDeclined,
    QuoteSent,
)
from messaging.events import ContactUpdateFrequencyChanged, EmailBounced, UpdateIntervalChanged


def _names(table):
    return {event: [f"{s.__module__}.{s.__name__}" for s in subs] for event, subs in table.items()}


def test_every_event_lists_its_subscribers_in_the_order_they_run():
    assert _names(subscribers()) == {
        LeadCreated: [
            "automation.handlers.lead_created_triggers_fire",
            "webhooks.handlers.lead_created_deliver",
        ],
        LeadStageEntered: [
            "automation.handlers.stage_triggers_fire",
            "automation.handlers.update_rhythm_reset",
            "automation.handlers.sequences_stop_on_won",
            "automation.handlers.stage_messages_cancel",
            "billing.handlers.schedule_invoiced_at_stage",
            "billing.handlers.depreciation_release_on_completion",
            "webhooks.handlers.lead_stage_changed_deliver",
        ],
        LeadRegrouped: ["dashboards.handlers.team_days_of_regrouped_lead"],
        LeadWon: ["webhooks.handlers.lead_won_deliver"],
        LeadLost: [
            "followups.handlers.follow_ups_close_on_lost",
            "automation.handlers.lead_lost_triggers_fire",
            "automation.handlers.update_rhythm_reset",
            "automation.handlers.sequences_stop_on_lost",
            "automation.handlers.lost_lead_messages_cancel",
            "webhooks.handlers.lead_lost_deliver",
        ],
        QuoteSent: ["messaging.handlers.quote_email_schedule"],
        QuoteAccepted: [
            "messaging.handlers.quote_follow_ups_cancel",
            "billing.handlers.deposit_invoice_on_acceptance",
            "webhooks.handlers.quote_accepted_deliver",
        ],
        QuoteDeclined: ["webhooks.handlers.quote_declined_deliver"],
        PaymentRecorded: ["webhooks.handlers.payment_recorded_deliver"],
        CheckoutPaid: ["billing.handlers.invoice_paid_online"],
        CheckoutFailed: ["billing.handlers.invoice_payment_failed_online"],
        CheckoutRefunded: ["billing.handlers.invoice_refunded_online"],
        InvoicePaymentApplied: ["billing.handlers.payment_receipt_send"],
        InvoiceSent: ["webhooks.handlers.invoice_sent_deliver"],
        InvoicePaid: ["webhooks.handlers.invoice_paid_deliver"],
        InvoiceOverdue: ["webhooks.handlers.invoice_overdue_deliver"],
        InvoiceVoided: ["webhooks.handlers.invoice_voided_deliver"],
        InvoicePaymentFailed: ["webhooks.handlers.payment_failed_deliver"],
        InvoicePaymentRefunded: ["webhooks.handlers.payment_refunded_deliver"],
        NotificationsCreated: ["messaging.handlers.staff_copies_schedule"],
        MembershipChanged: ["api.handlers.keys_revoke_of_former_admin"],
        ConsentRecorded: [
            "automation.handlers.sequences_stop_on_unsubscribe",
            "messaging.handlers.unsubscribed_messages_cancel",
        ],
        ContactErased: ["messaging.handlers.erased_contact_messages_cancel"],
        EmailBounced: ["automation.handlers.sequences_stop_on_bounce"],
        UpdateIntervalChanged: ["automation.handlers.update_rhythms_refresh_later"],
        ContactUpdateFrequencyChanged: ["automation.handlers.contact_update_rhythm_reset"],
        ContactChanged: ["leads.handlers.contact_leads_reindex"],
        FollowUpRescheduled: ["dashboards.handlers.team_day_left"],
        FollowUpCompleted: ["webhooks.handlers.follow_up_completed_deliver"],
        CustomerWrote: [
            "messaging.handlers.whatsapp_window_open",
            "messaging.handlers.keyword_text_act_on",
            "leads.handlers.customer_reply_record",
            "automation.handlers.sequences_stop_on_reply",
            "webhooks.handlers.message_received_deliver",
        ],
    }


@dataclass(frozen=True)
class Happened:
    what: str


heard: list[str] = []


def _first(event):
    heard.append(f"first {event.what}")


def _failing(event):
    heard.append("failing")
    raise RuntimeError(event.what)


def _last(event):
    heard.append(f"last {event.what}")


IN_ORDER = {Happened: [_first, _last]}
STOPS_AT_A_FAILURE = {Happened: [_first, _failing, _last]}


@pytest.fixture
def table(settings):
    heard.clear()

    def use(name):
        settings.THREADLINE_EVENT_SUBSCRIBERS = f"{__name__}.{name}"

    return use


def test_publish_calls_the_subscribers_in_the_tables_order(table):
    table("IN_ORDER")
    publish(Happened("it"))
    assert heard == ["first it", "last it"]


def test_a_failing_subscriber_stops_the_rest_and_reaches_the_publisher(table):
    table("STOPS_AT_A_FAILURE")
    with pytest.raises(RuntimeError, match="boom"):
        publish(Happened("boom"))
    assert heard == ["first boom", "failing"]


def test_an_event_nobody_listens_to_is_a_no_op(table):
    table("IN_ORDER")
    publish(LeadCreated(tenant=None, lead=None, actor=None))
    assert heard == []


def _defines_a_django_signal(source: str) -> bool:
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name == "Signal":
                return True
    return False


def test_no_app_of_ours_defines_a_django_signal():
    """Apps tell each other through crm.events; anymail's own inbound and tracking signals are
    the framework's hooks, received (not defined) here."""
    base = Path(settings.BASE_DIR)
    ours = [Path(config.path) for config in apps.get_app_configs()]
    ours = [path for path in ours if path.is_relative_to(base) and ".venv" not in path.parts]
    assert {path.name for path in ours} >= {
        "crm",
        "leads",
        "messaging",
        "tickets",
        "followups",
        "automation",
    }
    defining = [
        str(module.relative_to(base))
        for package in [*ours, base / "config"]
        for module in package.rglob("*.py")
        if _defines_a_django_signal(module.read_text())
    ]
    assert defining == []
