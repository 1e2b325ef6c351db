"""What the inbox tells other apps, sent inside the transaction that stored the message (receivers
write rows only; anything slow they enqueue on commit).

customer_message_received(tenant, ticket, message): a customer wrote (not an auto-reply); the
follow-ups app stops sequences that wait for a reply.
"""

from django.dispatch import Signal

customer_message_received = Signal()
