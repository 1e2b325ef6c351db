"""How hard the fuzz tests try. Each test names the examples it runs in CI (tests/fuzz as a whole
stays under a minute); FUZZ_EXAMPLES=5000 runs every test that many times, with fresh random
examples, for a long local run (docs/operations/reliability.md). A CI run draws the same examples each time
(derandomised), so a failure there is reproducible."""

import contextlib
import os

from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

LONG_RUN = os.environ.get("FUZZ_EXAMPLES", "").strip()


def fuzz_settings(examples: int) -> settings:
    return settings(
        max_examples=int(LONG_RUN) if LONG_RUN else examples,
        deadline=None,
        database=None,
        derandomize=not LONG_RUN,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,  # each example rolls its own writes back
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
        ],
    )


@contextlib.contextmanager
def rolled_back():
    """One example's writes, undone afterwards, so every example starts from the same data."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


# Any text a form or JSON can carry (no lone surrogates, which neither can), control characters,
# NUL, right-to-left marks and emoji included.
any_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=300)
short_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)
