"""Hooks other apps connect to.

`notifications_created(tenant, notification_ids)`: in-app notifications were created; the comms
engine sends email/SMS copies to recipients who asked for them (per notification kind). Sent after
the transaction that caused it commits.
`consent_recorded(tenant, contact, channel, status, source)`: a contact's consent on a channel was
recorded (an unsubscribe link, STOP, a complaint, a staff edit); the follow-ups app stops the
sequences it rules out. Sent inside the transaction that recorded it: receivers write rows only.
"""

from django.dispatch import Signal

notifications_created = Signal()
consent_recorded = Signal()
