"""Hooks other apps connect to. Each is sent after the transaction that caused it commits.

`notifications_created(tenant, notification_ids)`: in-app notifications were created; the comms
engine sends email/SMS copies to recipients who asked for them (per notification kind).
"""

from django.dispatch import Signal

notifications_created = Signal()
