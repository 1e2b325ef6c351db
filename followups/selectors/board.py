"""The board: a column per status."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from followups.models import OPEN_STATUSES, FollowUp, Status

BOARD_CARDS_PER_COLUMN = 30
# The board's columns, in order; finished columns show the recent ones only.
BOARD_COLUMNS = (
    Status.PENDING,
    Status.IN_PROGRESS,
    Status.COMPLETED,
    Status.MISSED,
    Status.CANCELLED,
)
BOARD_FINISHED_SINCE = dt.timedelta(days=14)


@dataclass(frozen=True)
class BoardColumn:
    status: str
    label: str
    cards: list[FollowUp]
    total: int

    @property
    def more(self) -> int:
        return self.total - len(self.cards)


def follow_up_board(
    *, follow_ups: QuerySet[FollowUp], now: dt.datetime | None = None
) -> list[BoardColumn]:
    """A column per status: open ones soonest first, finished ones (of the last two weeks) most
    recent first. One count query and one query per column, whatever the number of cards."""
    now = now or timezone.now()
    recent = now - BOARD_FINISHED_SINCE
    finished = (Status.COMPLETED, Status.MISSED, Status.CANCELLED)
    scoped = follow_ups.filter(
        Q(status__in=OPEN_STATUSES)
        | Q(status__in=finished, scheduled_at__gte=recent)
        # A late completion of an old follow-up still shows as done this fortnight.
        | Q(status=Status.COMPLETED, completed_at__gte=recent)
    )
    totals = dict(
        scoped.order_by().values_list("status").annotate(n=Count("pk")).values_list("status", "n")
    )
    columns = []
    for status in BOARD_COLUMNS:
        cards = scoped.filter(status=status)
        if status in OPEN_STATUSES:
            cards = cards.order_by("scheduled_at", "id")
        else:
            cards = cards.order_by("-scheduled_at", "-id")
        columns.append(
            BoardColumn(
                status=status,
                label=Status(status).label,
                cards=list(cards[:BOARD_CARDS_PER_COLUMN]),
                total=totals.get(status, 0),
            )
        )
    return columns
