"""A write that meets another writer: run its whole transaction again before anyone sees an error.

PostgreSQL ends one of two transactions that wait on each other (deadlock detected, SQLSTATE 40P01)
and refuses a write that a concurrent one made impossible to order (serialization failure,
40001). Neither says anything about the request: the same transaction, run again a moment later,
succeeds. The page middleware, the API's key holder and the inbound worker each run their
transaction through ``conflicts_retried``. The lock order that keeps these rare is in
docs/architecture.md ("Lock order").
"""

import logging
import random
import time
from collections.abc import Callable
from typing import TypeVar

from django.db import DEFAULT_DB_ALIAS, transaction

logger = logging.getLogger(__name__)
T = TypeVar("T")

CONFLICT_SQLSTATES = frozenset({"40P01", "40001"})
TRIES = 3
PAUSE_SECONDS = 0.05  # the first pause's most; each next try may wait twice as long


def is_conflict(error: BaseException | None) -> bool:
    """Whether the error, or one it was raised from, is a deadlock or a serialization failure."""
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if getattr(error, "sqlstate", None) in CONFLICT_SQLSTATES:
            return True
        error = error.__cause__ or error.__context__
    return False


def conflicts_retried(
    run: Callable[[bool], T],
    *,
    tries: int = TRIES,
    in_savepoint: bool = False,
    using: str = DEFAULT_DB_ALIAS,
) -> T:
    """``run(final)`` runs one whole transaction (it opens and commits it); a conflict it raises
    runs it again, after a short random pause (two retries at once would meet again), up to
    `tries` times. `final` says no try follows: `run` then handles a conflict as any error.

    Inside a transaction already open nothing is retried (the conflict aborted the outer one
    too): `run` is called once, final; unless `in_savepoint`, for a caller whose enclosing
    transaction holds no lock another writer waits for (a task's tenant context): its
    ``transaction.atomic()`` is then a savepoint, whose rollback releases the try's locks."""
    retrying = in_savepoint or not transaction.get_connection(using).in_atomic_block
    for attempt in range(1, tries + 1):
        final = not retrying or attempt == tries
        try:
            return run(final)
        except Exception as error:
            if final or not is_conflict(error):
                raise
            logger.warning("write conflict, try %s of %s: %s", attempt, tries, error)
        time.sleep(random.uniform(0, PAUSE_SECONDS * 2 ** (attempt - 1)))  # noqa: S311
    raise AssertionError("unreachable")  # the last try returns or raises
