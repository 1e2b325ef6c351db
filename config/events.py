"""Every subscriber of every event, in the order it runs (crm.events.publish reads this table
through the THREADLINE_EVENT_SUBSCRIBERS setting). It lives at the top of the layer stack so it
may name every app; an event missing here has no subscribers.
"""

from automation import handlers as automation
from crm.events import (
    ConsentRecorded,
    ContactChanged,
    ContactErased,
    CustomerWrote,
    NotificationsCreated,
)
from followups import handlers as followups
from leads import handlers as leads
from leads.events import LeadCreated, LeadLost, LeadStageEntered, QuoteAccepted, QuoteSent
from messaging import handlers as messaging
from messaging.events import ContactUpdateFrequencyChanged, EmailBounced, UpdateIntervalChanged

SUBSCRIBERS = {
    LeadCreated: [automation.lead_created_triggers_fire],
    LeadStageEntered: [
        automation.stage_triggers_fire,
        automation.update_rhythm_reset,
        automation.sequences_stop_on_won,
        messaging.stage_messages_cancel,
    ],
    LeadLost: [
        followups.follow_ups_close_on_lost,
        automation.lead_lost_triggers_fire,
        automation.update_rhythm_reset,
        automation.sequences_stop_on_lost,
        messaging.lost_lead_messages_cancel,
    ],
    QuoteSent: [messaging.quote_email_schedule],
    QuoteAccepted: [messaging.quote_follow_ups_cancel],
    NotificationsCreated: [messaging.staff_copies_schedule],
    ConsentRecorded: [
        automation.sequences_stop_on_unsubscribe,
        messaging.unsubscribed_messages_cancel,
    ],
    ContactErased: [messaging.erased_contact_messages_cancel],
    EmailBounced: [automation.sequences_stop_on_bounce],
    UpdateIntervalChanged: [automation.update_rhythms_refresh_later],
    ContactUpdateFrequencyChanged: [automation.contact_update_rhythm_reset],
    ContactChanged: [leads.contact_leads_reindex],
    CustomerWrote: [
        messaging.whatsapp_window_open,
        messaging.keyword_text_act_on,
        leads.customer_reply_record,
        automation.sequences_stop_on_reply,
    ],
}
