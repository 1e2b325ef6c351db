"""The one shape every dashboard figure has as numbers: the HTML table and the CSV export both
render a `Table`, so what a manager reads and what they download never disagree."""

from collections.abc import Iterator
from dataclasses import dataclass, field

from django.utils.functional import Promise

from crm.kit.csv_files import spreadsheet_safe


@dataclass(frozen=True)
class Cell:
    """A value the page shows as a link (to the rows it counts) or with a tone (ok, warning,
    danger, or an aging colour); the CSV keeps the value only."""

    value: object
    url: str = ""
    tone: str = ""

    def __str__(self) -> str:
        return "" if self.value is None else str(self.value)


@dataclass
class Table:
    title: str | Promise
    headers: list[str | Promise]
    rows: list[list] = field(default_factory=list)

    def csv_rows(self) -> Iterator[list[str]]:
        """The header, then the rows, every cell neutralised against spreadsheet formulas."""
        yield [spreadsheet_safe(header) for header in self.headers]
        for row in self.rows:
            yield [spreadsheet_safe(cell) for cell in row]
