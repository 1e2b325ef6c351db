"""Hooks other apps connect to. Each is sent inside the transaction that caused it, so what a
receiver writes (the comms engine's outbox rows) commits or rolls back with the change itself.
Receivers write rows only; anything that calls out waits for the commit (enqueue_on_commit).

`lead_stage_entered(tenant, lead, stage, previous_stage, actor)`: a lead entered a stage (the comms
engine sends that stage's messages, follow-ups schedule their tasks).
`lead_lost(tenant, lead, reason, actor)`: a lead was marked lost or its quote rejected (the comms
engine may send the "sorry to see you go" message).
`lead_created(tenant, lead, actor)`: a new lead, from any route (form, import, staff).
"""

from django.dispatch import Signal

lead_stage_entered = Signal()
lead_lost = Signal()
lead_created = Signal()
