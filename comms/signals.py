"""Hooks other apps connect to. Each is sent inside the transaction that caused it; receivers write
rows only.

`email_bounced(tenant, message)`: an email hard-bounced (its address is marked bad); the follow-ups
app stops the contact's sequences.
"""

from django.dispatch import Signal

email_bounced = Signal()
