"""Every subscriber of every event, in the order it runs (crm.events.publish reads this table
through the THREADLINE_EVENT_SUBSCRIBERS setting). It lives at the top of the layer stack so it
may name every app; an event missing here has no subscribers.
"""

from api import handlers as api
from automation import handlers as automation
from billing import handlers as billing
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
)
from dashboards import handlers as dashboards
from followups import handlers as followups
from followups.events import FollowUpCompleted, FollowUpRescheduled
from gateway.events import CheckoutFailed, CheckoutPaid, CheckoutRefunded
from leads import handlers as leads
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
from messaging import handlers as messaging
from messaging.events import ContactUpdateFrequencyChanged, EmailBounced, UpdateIntervalChanged
from webhooks import handlers as webhooks

SUBSCRIBERS = {
    LeadCreated: [automation.lead_created_triggers_fire, webhooks.lead_created_deliver],
    LeadStageEntered: [
        automation.stage_triggers_fire,
        automation.update_rhythm_reset,
        automation.sequences_stop_on_won,
        automation.stage_messages_cancel,
        billing.schedule_invoiced_at_stage,
        billing.depreciation_release_on_completion,
        webhooks.lead_stage_changed_deliver,
    ],
    LeadRegrouped: [dashboards.team_days_of_regrouped_lead],
    LeadWon: [webhooks.lead_won_deliver],
    LeadLost: [
        followups.follow_ups_close_on_lost,
        automation.lead_lost_triggers_fire,
        automation.update_rhythm_reset,
        automation.sequences_stop_on_lost,
        automation.lost_lead_messages_cancel,
        webhooks.lead_lost_deliver,
    ],
    QuoteSent: [messaging.quote_email_schedule],
    QuoteAccepted: [
        messaging.quote_follow_ups_cancel,
        # The deposit invoice, made and sent now: the customer pays it next (leads.acceptance).
        billing.deposit_invoice_on_acceptance,
        webhooks.quote_accepted_deliver,
    ],
    QuoteDeclined: [webhooks.quote_declined_deliver],
    PaymentRecorded: [webhooks.payment_recorded_deliver],
    # Online payments: a session that pays an invoice ("invoice:42") reaches it.
    CheckoutPaid: [billing.invoice_paid_online],
    CheckoutFailed: [billing.invoice_payment_failed_online],
    CheckoutRefunded: [billing.invoice_refunded_online],
    InvoicePaymentApplied: [billing.payment_receipt_send],
    InvoiceSent: [webhooks.invoice_sent_deliver],
    InvoicePaid: [webhooks.invoice_paid_deliver],
    InvoiceOverdue: [webhooks.invoice_overdue_deliver],
    InvoiceVoided: [webhooks.invoice_voided_deliver],
    InvoicePaymentFailed: [webhooks.payment_failed_deliver],
    InvoicePaymentRefunded: [webhooks.payment_refunded_deliver],
    NotificationsCreated: [messaging.staff_copies_schedule],
    MembershipChanged: [api.keys_revoke_of_former_admin],
    ConsentRecorded: [
        automation.sequences_stop_on_unsubscribe,
        messaging.unsubscribed_messages_cancel,
    ],
    ContactErased: [messaging.erased_contact_messages_cancel],
    EmailBounced: [automation.sequences_stop_on_bounce],
    UpdateIntervalChanged: [automation.update_rhythms_refresh_later],
    ContactUpdateFrequencyChanged: [automation.contact_update_rhythm_reset],
    ContactChanged: [leads.contact_leads_reindex],
    FollowUpRescheduled: [dashboards.team_day_left],
    FollowUpCompleted: [webhooks.follow_up_completed_deliver],
    CustomerWrote: [
        messaging.whatsapp_window_open,
        messaging.keyword_text_act_on,
        leads.customer_reply_record,
        automation.sequences_stop_on_reply,
        webhooks.message_received_deliver,
    ],
}
