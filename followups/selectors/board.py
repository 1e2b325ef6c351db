"""The board: a column per status."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.functional import Promise

from crm.kit.together import count_together
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
# A column counts its follow-ups up to here and then shows "1000+": an exact count of a team's
# open follow-ups read every one of them (a million-lead team's board spent a second counting).
BOARD_COUNT_CAP = 1000


@dataclass(frozen=True)
class BoardColumn:
    status: str
    label: str | Promise
    cards: list[FollowUp]
    total: int  # at most BOARD_COUNT_CAP + 1, which stands for "more than the cap"

    @property
    def capped(self) -> bool:
        return self.total > BOARD_COUNT_CAP

    @property
    def more(self) -> int:
        return self.total - len(self.cards)

    @property
    def total_label(self) -> str:
        return f"{BOARD_COUNT_CAP}+" if self.capped else str(self.total)

    @property
    def more_label(self) -> str:
        return f"{BOARD_COUNT_CAP - len(self.cards)}+" if self.capped else str(self.more)


def _in_column(follow_ups: QuerySet[FollowUp], status: str, recent: dt.datetime):
    """A column's follow-ups in its order, with its own condition, so that its time bound is an
    index condition: open ones all; finished ones of the last two weeks, and a late completion
    of an old follow-up still shows as done this fortnight."""
    in_column = follow_ups.filter(status=status)
    if status == Status.COMPLETED:
        in_column = in_column.filter(Q(scheduled_at__gte=recent) | Q(completed_at__gte=recent))
    elif status not in OPEN_STATUSES:
        in_column = in_column.filter(scheduled_at__gte=recent)
    if status in OPEN_STATUSES:
        return in_column.order_by("scheduled_at", "id")
    return in_column.order_by("-scheduled_at", "-id")


def follow_up_board(
    *, follow_ups: QuerySet[FollowUp], now: dt.datetime | None = None
) -> list[BoardColumn]:
    """A column per status: open ones soonest first, finished ones (of the last two weeks) most
    recent first. Two statements whatever the number of cards: every column's first cards (a
    UNION ALL of one index scan per column), then the count of each full column up to
    BOARD_COUNT_CAP (each reads at most that many index entries; none when no column is full)."""
    now = now or timezone.now()
    recent = now - BOARD_FINISHED_SINCE
    in_columns = {status: _in_column(follow_ups, status, recent) for status in BOARD_COLUMNS}
    firsts = [in_column[:BOARD_CARDS_PER_COLUMN] for in_column in in_columns.values()]
    cards: dict[str, list[FollowUp]] = {status: [] for status in BOARD_COLUMNS}
    for card in firsts[0].union(*firsts[1:], all=True):
        cards[card.status].append(card)
    for status, column_cards in cards.items():
        # A UNION ALL has no order of its own: each column's again.
        column_cards.sort(key=lambda card: (card.scheduled_at, card.pk))
        if status not in OPEN_STATUSES:
            column_cards.reverse()
    full: dict[str, QuerySet] = {
        status: in_column.values("pk")[: BOARD_COUNT_CAP + 1]
        for status, in_column in in_columns.items()
        if len(cards[status]) >= BOARD_CARDS_PER_COLUMN
    }
    # A column with room for more cards shows them all: nothing more to count.
    totals: dict[str, int] = {status: len(column_cards) for status, column_cards in cards.items()}
    totals |= count_together(full)
    return [
        BoardColumn(
            status=status, label=Status(status).label, cards=cards[status], total=totals[status]
        )
        for status in BOARD_COLUMNS
    ]
