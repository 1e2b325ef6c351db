"""Every subscriber of every event, in the order it runs (crm.events.publish reads this table
through the THREADLINE_EVENT_SUBSCRIBERS setting). It lives at the top of the layer stack so it
may name every app; an event missing here has no subscribers.
"""

from comms import handlers as comms
from comms.events import EmailBounced
from crm.events import ConsentRecorded, CustomerWrote, NotificationsCreated
from followups import handlers as followups
from leads import handlers as leads
from leads.events import LeadCreated, LeadLost, LeadStageEntered, QuoteSent

SUBSCRIBERS = {
    LeadCreated: [comms.lead_created_triggers_fire],
    LeadStageEntered: [
        comms.stage_triggers_fire,
        comms.update_rhythm_reset,
        followups.sequences_stop_on_won,
    ],
    LeadLost: [
        comms.lead_lost_triggers_fire,
        comms.update_rhythm_reset,
        followups.sequences_stop_on_lost,
    ],
    QuoteSent: [comms.quote_email_schedule],
    NotificationsCreated: [comms.staff_copies_schedule],
    ConsentRecorded: [followups.sequences_stop_on_unsubscribe],
    EmailBounced: [followups.sequences_stop_on_bounce],
    CustomerWrote: [
        comms.whatsapp_window_open,
        comms.keyword_text_act_on,
        leads.customer_reply_record,
        followups.sequences_stop_on_reply,
    ],
}
