"""Fuzzing the lead CSV import (leads/services/imports.py) with hypothesis: files of good rows mixed with
junk rows (any text in any column: quotes, newlines, formulas, right-to-left marks, huge numbers)
and sometimes a line that is not CSV at all.

The file is either refused as a whole with a message (ImportFileError), or every row is accounted
for: each good row becomes a lead, each rejected row says why, nothing is counted twice, and the
import that runs creates exactly what its dry run promised.
"""

import csv
import io

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from crm.kit.csv_files import ImportFileError
from crm.models import ContactEmail
from leads.models import Lead, LeadImportStatus
from leads.services import imports as lead_imports
from tests.factories import pipeline_for
from tests.fuzz.budget import any_text, fuzz_settings, rolled_back
from tests.leads.test_import import COLUMNS

pytestmark = pytest.mark.django_db

junk_cells = st.one_of(
    any_text.map(lambda text: text.replace("\x00", "")),  # NUL makes the file binary: refused
    st.sampled_from(["=1+2", "@SUM(A1)", "-5", "1e309", "$", "\u202egnp.exe", "+1 786 555 0101"]),
)
junk_rows = st.dictionaries(st.sampled_from(COLUMNS), junk_cells, max_size=6)


def _csv(rows: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, restval="")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


@fuzz_settings(12)
@given(
    good=st.integers(0, 4),
    junk=st.lists(junk_rows, max_size=6),
    order=st.randoms(use_true_random=False),
    tail=st.one_of(st.just(""), any_text),
)
@example(good=1, junk=[{"First Name": '"'}], order=None, tail='"unclosed,quote\n')
@example(good=2, junk=[{"Estimated Value": "1e309", "E-mail": "a@b.co"}], order=None, tail="")
def test_any_upload_is_refused_in_words_or_every_row_is_imported_or_explained(
    world, good, junk, order, tail
):
    good_rows = [
        {"First Name": f"Good {n}", "Last Name": "Row", "E-mail": f"good-{n}@fuzz.example"}
        for n in range(good)
    ]
    rows = good_rows + junk
    if order is not None:
        order.shuffle(rows)
    raw = (_csv(rows) + tail).encode()
    with rolled_back(), world.active():
        leads_before = Lead.objects.filter(tenant=world.tenant).count()
        try:
            lead_import = lead_imports.lead_import_preview(
                tenant=world.tenant,
                actor=world.admin.user,
                filename="leads.csv",
                raw=raw,
                pipeline=pipeline_for(world.tenant),
            )
        except ImportFileError as refused:
            assert refused.messages and all(refused.messages)
            assert tail or not good_rows, "a well-formed file with good rows refused"
            return
        preview = lead_import.report["preview"]
        assert preview["create"] + preview["rejected"] == preview["rows"]
        rejected = lead_import.report["rejected"]
        assert all(entry["reasons"] for entry in rejected)
        rejected_lines = {entry["line"] for entry in rejected}
        assert len(rejected_lines) == len(rejected)

        assert lead_imports.lead_import_start(
            tenant=world.tenant, actor=world.admin.user, lead_import=lead_import
        )
        while lead_imports.lead_import_run_batch(
            tenant=world.tenant, lead_import_id=lead_import.pk
        ):
            pass
        lead_import.refresh_from_db()
        assert lead_import.status == LeadImportStatus.DONE
        result = lead_import.report["result"]
        assert result["created"] == preview["create"]
        assert result["created"] + result["rejected"] == preview["rows"]
        assert Lead.objects.filter(tenant=world.tenant).count() == leads_before + preview["create"]
        imported = set(
            ContactEmail.objects.filter(
                tenant=world.tenant, email__endswith="@fuzz.example"
            ).values_list("email", flat=True)
        )
        assert {row["E-mail"] for row in good_rows} <= imported
