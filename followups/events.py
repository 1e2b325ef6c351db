"""What the follow-ups tell the apps above (config/events.py lists who hears it, in order).
Published inside the transaction of the change."""

import datetime as dt
from dataclasses import dataclass

from crm.models import Tenant, User
from followups.models import FollowUp


@dataclass(frozen=True)
class FollowUpRescheduled:
    """A follow-up moved from `before` to its scheduled_at now (the dashboard's team rollup
    counts the day it left again)."""

    tenant: Tenant
    follow_up: FollowUp
    before: dt.datetime


@dataclass(frozen=True)
class FollowUpCompleted:
    """A follow-up was done, with its outcome."""

    tenant: Tenant
    follow_up: FollowUp
    actor: User | None
