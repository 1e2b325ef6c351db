"""SQL aggregates Django does not ship, and the planner setting the dashboard's queries need."""

from django.db import connection
from django.db.models import Aggregate, DurationField


class Median(Aggregate):
    """The continuous median of a duration (PostgreSQL interpolates between the middle two)."""

    function = "percentile_cont"
    name = "Median"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"

    def __init__(self, expression, **extra):
        super().__init__(expression, output_field=DurationField(), **extra)


def without_jit() -> None:
    """Turn PostgreSQL's JIT off for the rest of the current transaction: on the dashboard's
    one-off aggregate plans it compiles for longer than they run (seconds at a million leads)."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")
