"""CSV import of leads: the dry run and its report, the run in batches, the rejected rows."""

import csv
import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from crm.kit.csv_files import MAX_UPLOAD_BYTES
from crm.models import Contact, Notification, TimelineEvent
from leads.models import Lead, LeadImport, LeadImportStatus
from leads.services import imports as lead_imports
from leads.tasks import run_lead_import
from tests import factories
from tests.conftest import queries_for, sign_in
from tests.factories import pipeline_for

pytestmark = pytest.mark.django_db

COLUMNS = [
    "First Name",
    "Last Name",
    "E-mail",
    "Mobile",
    "Street",
    "City",
    "State",
    "Zip",
    "Job",
    "Estimated Value",
    "Lead Cost",
    "Stage",
    "Type",
    "Owner Email",
    "Notes",
    "Favourite colour",
]


def _csv(rows: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, restval="")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def _upload(client, world, content, *, name="leads.csv", owner="", source=""):
    raw = content.encode() if isinstance(content, str) else content
    return client.post(
        reverse("leads:import"),
        {
            "file": SimpleUploadedFile(name, raw, content_type="text/csv"),
            "pipeline": pipeline_for(world.tenant).pk,
            "source": source,
            "owner": owner,
        },
    )


def _the_import(world) -> LeadImport:
    with world.active():
        return LeadImport.objects.get()


def _lead_count(world) -> int:
    with world.active():
        return Lead.objects.count()


def _detail(lead_import) -> str:
    return reverse("leads:import-detail", kwargs={"lead_import_pk": lead_import.pk})


def _known(world) -> tuple[str, str]:
    """The world contact's email and phone (national format: "(305) 555-0001")."""
    with world.active():
        return world.contact.emails.get().email, world.contact.phones.get().number.as_national


def _mixed_file(world) -> str:
    """Good rows (lines 2-5 and 15), junk rows (6-14) and a blank line at the end."""
    email, phone = _known(world)
    return (
        _csv(
            [
                {
                    "First Name": "Ana",
                    "Last Name": "Lima",
                    "E-mail": "ana@example.com",
                    "Mobile": "(786) 555-0101",
                    "Street": "1 Bay St",
                    "City": "Miami",
                    "State": "FL",
                    "Zip": "33101",
                    "Job": "Roof repair",
                    "Estimated Value": "$12,500.00",
                    "Lead Cost": "35",
                    "Stage": "contacted",
                    "Type": "Residential",
                    "Notes": "Call after 5pm",
                    "Favourite colour": "blue",
                },
                {"First Name": "Maria", "Last Name": "Known", "E-mail": email.upper()},
                {"First Name": "Pedro", "Last Name": "Phone", "Mobile": phone},
                {"First Name": "Ana", "Last Name": "Again", "Mobile": "+1 786 555 0101"},
                {"E-mail": "nobody@example.com"},
                {"First Name": "Nora", "Last Name": "Noreach"},
                {"First Name": "Bad", "E-mail": "not-an-email"},
                {"First Name": "Bad", "Mobile": "555-01"},
                {"First Name": "Bad", "E-mail": "bs@example.com", "Stage": "Negotiating"},
                {
                    "First Name": "Bad",
                    "E-mail": "bo@example.com",
                    "Owner Email": "ghost@nowhere.test",
                },
                {
                    "First Name": "Bad",
                    "E-mail": "bm@example.com",
                    "Estimated Value": "-5",
                    "Lead Cost": "lots",
                },
                {"First Name": "Bad", "E-mail": "bt@example.com", "Type": "industrial"},
                {"First Name": "Half", "E-mail": "ha@example.com", "Street": "9 Elm St"},
                {
                    "First Name": '=HYPERLINK("http://evil.test")',
                    "Last Name": "Formula",
                    "E-mail": "formula@example.com",
                    "Notes": "=1+2",
                },
            ]
        )
        + "\r\n"
    )


def test_the_dry_run_writes_no_leads_and_explains_every_row(client, world):
    sign_in(client, world.manager)
    response = _upload(client, world, _mixed_file(world))
    lead_import = _the_import(world)
    assert response.status_code == 302 and response.url == _detail(lead_import)
    assert _lead_count(world) == 0
    assert lead_import.status == LeadImportStatus.PREVIEWED and lead_import.content
    report = lead_import.report
    assert report["preview"] == {
        "rows": 14,
        "create": 5,
        "new_contacts": 2,
        "existing_contacts": 2,
        "file_duplicates": 1,
        "rejected": 9,
    }
    assert report["ignored"] == ["Favourite colour"]
    reasons = {entry["line"]: entry["reasons"] for entry in report["rejected"]}
    assert reasons == {
        6: ["missing name"],
        7: ["neither email nor phone"],
        8: ["invalid email “not-an-email”"],
        9: ["invalid phone number “555-01” for US"],
        10: ["unknown stage “Negotiating” in Residential roofing"],
        11: ["unknown owner email “ghost@nowhere.test”"],
        12: ["value “-5” is negative", "cost “lots” is not a number"],
        13: ["type “industrial” must be residential or commercial"],
        14: ["the address needs at least the street and the city"],
    }
    first = report["sample"][0]
    assert first["phone"] == "+1 786-555-0101" and first["value"] == "12500.00"
    assert first["stage"] == "Contacted" and first["contact"] == {"kind": "new"}
    assert report["sample"][1]["contact"]["contact_id"] == world.contact.pk
    assert report["sample"][3]["contact"] == {"kind": "earlier_row", "line": 2}
    assert report["sample"][4]["name"] == '=HYPERLINK("http://evil.test") Formula'

    page = client.get(response.url).content.decode()
    assert "Import 5 leads" in page
    assert "unknown owner email “ghost@nowhere.test”" in page
    assert "Favourite colour" in page and "same as line 2" in page
    assert world.contact.display_name in page


def test_header_names_are_recognised_in_any_case_and_with_semicolons(client, world):
    sign_in(client, world.manager)
    content = "\ufeffFIRSTNAME;surname;Email Address;Telephone\nJoão;Silva;joao@example.com;\n"
    _upload(client, world, content)
    report = _the_import(world).report
    assert report["preview"]["create"] == 1 and report["encoding_note"] == ""
    assert report["sample"][0]["name"] == "João Silva"
    assert [c["label"] for c in report["columns"]] == ["First name", "Last name", "Email", "Phone"]


def test_a_windows_1252_file_is_read_and_says_so(client, world):
    sign_in(client, world.manager)
    _upload(client, world, "Name,Email\nJosé Núñez,jose@example.com\n".encode("cp1252"))
    report = _the_import(world).report
    assert report["sample"][0]["name"] == "José Núñez"
    assert "Windows-1252" in report["encoding_note"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"PK\x03\x04\x14\x00\x06\x00rest-of-a-workbook", "Excel workbook"),
        (b"Name,Email\x00\x00\x01\x02", "binary data"),
        ('{"leads": [{"name": "Ana"}]}', "none of its names were recognised"),
        ("Email,Phone\nana@example.com,\n", "No column names the customer"),
        ("Name,City\nAna,Miami\n", "No column to reach the customer by"),
        ("Name,Email\n", "a header row but no leads"),
        ("", "The submitted file is empty"),
        ("\r\n\r\n", "The file is empty"),
        ('Name,Email\n"Ana, "x"y,ana@example.com\n', "Line 2 cannot be read as CSV"),
        ('Name,Email\n"Ana,ana@example.com\nBo,bo@example.com\n', "cannot be read as CSV"),
    ],
)
def test_files_that_cannot_be_imported_get_a_clear_error(client, world, content, message):
    sign_in(client, world.manager)
    response = _upload(client, world, content)
    assert response.status_code == 400
    assert message in response.content.decode()
    with world.active():
        assert not LeadImport.objects.exists()


def test_an_oversized_upload_is_refused_before_it_is_read(client, world):
    sign_in(client, world.manager)
    big = "Name,Email\n" + "Ana,ana@example.com\n" * (MAX_UPLOAD_BYTES // 20 + 10)
    response = _upload(client, world, big)
    assert response.status_code == 400
    assert "the limit is 5 MB" in response.content.decode()
    with world.active():
        assert not LeadImport.objects.exists()


def test_running_the_import_creates_the_leads_once(
    client, world, django_capture_on_commit_callbacks
):
    source = factories.LeadSourceFactory(tenant=world.tenant, name="Home show")
    sign_in(client, world.manager)
    _upload(client, world, _mixed_file(world), owner=world.rep.pk, source=source.pk)
    lead_import = _the_import(world)
    run_url = reverse("leads:import-run", kwargs={"lead_import_pk": lead_import.pk})
    with django_capture_on_commit_callbacks() as queued:
        response = client.post(run_url)
    assert response.status_code == 302 and len(queued) == 1
    assert _the_import(world).status == LeadImportStatus.RUNNING
    with django_capture_on_commit_callbacks() as queued_again:
        client.post(run_url)  # a double click
    assert queued_again == []
    assert "already been started" in client.get(_detail(lead_import)).content.decode()

    run_lead_import(world.tenant.pk, lead_import.pk)  # what the worker runs, in the tenant
    lead_import = _the_import(world)
    assert lead_import.status == LeadImportStatus.DONE and lead_import.content == ""
    assert lead_import.report["result"] == {
        "created": 5,
        "new_contacts": 2,
        "existing_contacts": 3,
        "rejected": 9,
        "owners": {str(world.rep.pk): 5},
    }
    with world.active():
        leads = list(
            Lead.objects.select_related("contact", "stage", "source", "owner", "property").order_by(
                "number"
            )
        )
        assert len(leads) == 5
        ana = leads[0]
        assert (ana.contact.first_name, ana.title, ana.stage.name) == (
            "Ana",
            "Roof repair",
            "Contacted",
        )
        assert ana.estimated_value == Decimal("12500.00") and ana.cost == Decimal("35.00")
        assert ana.source == source and ana.owner == world.rep
        assert ana.property.one_line_address == "1 Bay St, Miami, FL 33101"
        assert [str(p.number) for p in ana.contact.phones.all()] == ["+17865550101"]
        assert leads[1].contact == leads[2].contact == world.contact
        assert leads[3].contact == ana.contact  # "+1 786 555 0101" is Ana's "(786) 555-0101"
        formula = leads[4]
        assert formula.contact.first_name == '=HYPERLINK("http://evil.test")'
        note = TimelineEvent.objects.get(lead_id=formula.pk, kind="lead.note")
        assert note.detail["body"] == "=1+2"  # kept as text, never evaluated
        contacts = Contact.objects.count()

    run_lead_import(world.tenant.pk, lead_import.pk)  # a redelivered task
    client.post(run_url)  # a replayed confirmation
    assert _lead_count(world) == 5
    with world.active():
        assert Contact.objects.count() == contacts
    page = client.get(_detail(lead_import)).content.decode()
    assert "5</strong> leads created" in page and "Download rejected rows" in page


def test_a_large_file_imports_in_batches_and_shows_its_progress(client, world):
    rows = "".join(f"Person,{n},p{n}@example.com\n" for n in range(5))
    sign_in(client, world.manager)
    _upload(client, world, "First name,Last name,Email\n" + rows)
    lead_import = _the_import(world)
    with world.active():
        assert lead_imports.lead_import_start(
            tenant=world.tenant, actor=world.manager.user, lead_import=lead_import
        )
        progress = []
        while lead_imports.lead_import_run_batch(
            tenant=world.tenant, lead_import_id=lead_import.pk, batch_size=2
        ):
            progress.append(LeadImport.objects.get().report["progress"]["position"])
            polled = client.get(_detail(lead_import), HTTP_HX_REQUEST="true").content.decode()
            assert "<progress" in polled and 'hx-trigger="every 2s"' in polled
        assert progress == [2, 4]
        assert LeadImport.objects.get().status == LeadImportStatus.DONE
        assert not lead_imports.lead_import_run_batch(
            tenant=world.tenant, lead_import_id=lead_import.pk
        )
    assert _lead_count(world) == 5
    done = client.get(_detail(lead_import), HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in done and "leads created" in done


def test_the_rejected_rows_download_neutralises_formulas(client, world):
    content = (
        "Name,Email,Phone,Notes\n"
        "=SUM(A1:A9),not-an-email,,@risky\n"
        "+Plus,,-5,\tTabbed\n"
        "Fine,fine@example.com,,ok\n"
    )
    sign_in(client, world.manager)
    _upload(client, world, content, name="spring list.csv")
    lead_import = _the_import(world)
    response = client.get(
        reverse("leads:import-rejected", kwargs={"lead_import_pk": lead_import.pk})
    )
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="spring list-rejected.csv"' in response["Content-Disposition"]
    body = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0] == ["Line", "Reason", "Name", "Email", "Phone", "Notes"]
    assert rows[1] == [
        "2",
        "invalid email “not-an-email”",
        "'=SUM(A1:A9)",
        "not-an-email",
        "",
        "'@risky",
    ]
    assert rows[2][2:] == ["'+Plus", "", "'-5", "'\tTabbed"]
    assert len(rows) == 3


def test_reps_cannot_import(client, world):
    sign_in(client, world.rep)
    assert client.get(reverse("leads:import")).status_code == 403
    assert _upload(client, world, "Name,Email\nAna,ana@example.com\n").status_code == 403


def test_another_tenants_import_is_not_found(client, world, other_world):
    sign_in(client, other_world.manager)
    _upload(client, other_world, "Name,Email\nAna,ana@example.com\n")
    elsewhere = _the_import(other_world)
    client.logout()
    sign_in(client, world.admin)
    pk = {"lead_import_pk": elsewhere.pk}
    assert client.get(reverse("leads:import-detail", kwargs=pk)).status_code == 404
    assert client.post(reverse("leads:import-run", kwargs=pk)).status_code == 404
    assert client.get(reverse("leads:import-rejected", kwargs=pk)).status_code == 404
    assert _the_import(other_world).status == LeadImportStatus.PREVIEWED


def test_the_upload_offers_only_the_tenants_own_choices(client, world, other_world):
    foreign = pipeline_for(other_world.tenant)
    own = pipeline_for(world.tenant)
    sign_in(client, world.manager)
    page = client.get(reverse("leads:import")).content.decode()
    choices = re.search(r'<select name="pipeline".*?</select>', page, re.S).group(0)
    assert f'value="{own.pk}"' in choices and f'value="{foreign.pk}"' not in choices
    response = client.post(
        reverse("leads:import"),
        {
            "file": SimpleUploadedFile("a.csv", b"Name,Email\nAna,ana@example.com\n"),
            "pipeline": foreign.pk,
        },
    )
    assert response.status_code == 400
    with world.active():
        assert not LeadImport.objects.exists()


def test_the_report_page_reads_the_same_whatever_the_file_size(client, world):
    sign_in(client, world.manager)
    for count in (2, 40):
        rows = "".join(f"Person,{n},p{count}-{n}@example.com,bad-{n}\n" for n in range(count))
        _upload(client, world, "First name,Last name,Email,Phone\n" + rows)
    with world.active():
        small, large = LeadImport.objects.order_by("created_at")
    assert len(large.report["rejected"]) == 40
    assert queries_for(client, _detail(small)) == queries_for(client, _detail(large))


def test_imported_leads_start_open_before_the_sale(client, world):
    content = (
        "Name,Email,Stage\n"
        "Ana Lima,ana@example.com,Inspection scheduled\n"
        "Ben Okafor,ben@example.com,Won\n"
        "Cy Young,cy@example.com,In production\n"
        "Di Lowe,di@example.com,Lost\n"
    )
    sign_in(client, world.manager)
    _upload(client, world, content)
    report = _the_import(world).report
    assert report["sample"][0]["stage"] == "Inspection scheduled"
    reasons = {entry["line"]: entry["reasons"] for entry in report["rejected"]}
    assert reasons == {
        3: ["stage “Won” comes after the sale: import the lead open, then move it"],
        4: ["stage “In production” comes after the sale: import the lead open, then move it"],
        5: ["stage “Lost” closes the lead: import it open, then mark it lost"],
    }


def test_an_import_tells_each_owner_once_not_once_per_lead(world):
    """Twenty rows for one rep is one notification, not twenty."""
    pipeline = pipeline_for(world.tenant)
    rows = "".join(f"Person {n},person{n}@example.com\n" for n in range(20))
    with world.active():
        lead_import = lead_imports.lead_import_preview(
            tenant=world.tenant,
            actor=world.admin.user,
            filename="expo.csv",
            raw=f"Name,Email\n{rows}".encode(),
            pipeline=pipeline,
            owner=world.rep,
        )
        lead_imports.lead_import_start(
            tenant=world.tenant, actor=world.admin.user, lead_import=lead_import
        )
        while lead_imports.lead_import_run_batch(
            tenant=world.tenant, lead_import_id=lead_import.pk
        ):
            pass
        titles = list(
            Notification.objects.filter(recipient=world.rep.user).values_list("title", flat=True)
        )
    assert [t for t in titles if "lead" in t.lower()] == ["20 new leads for you from expo.csv"]


def test_previews_never_imported_are_dropped_after_a_week(world):
    pipeline = pipeline_for(world.tenant)
    with world.active():
        lead_import = lead_imports.lead_import_preview(
            tenant=world.tenant,
            actor=world.admin.user,
            filename="old.csv",
            raw=b"Name,Email\nAna Lima,ana@example.com\n",
            pipeline=pipeline,
        )
        later = lead_import.created_at + dt.timedelta(days=6)
        assert lead_imports.lead_imports_purge_stale(tenant=world.tenant, now=later) == 0
        later = lead_import.created_at + dt.timedelta(days=8)
        assert lead_imports.lead_imports_purge_stale(tenant=world.tenant, now=later) == 1
        assert not LeadImport.objects.exists()


def test_a_postal_code_or_state_the_country_does_not_write_rejects_the_row(client, world):
    """The file's ZIP codes and states are checked by the tenant's country (crm.addresses): a
    row with a bad one is rejected with the reason; a good one is written the standard way."""
    sign_in(client, world.manager)
    row = {"First Name": "Zip", "Street": "1 Bay St", "City": "Miami", "State": "FL"}
    content = _csv(
        [
            {**row, "E-mail": "z1@example.com", "Zip": "331012345"},
            {**row, "E-mail": "z2@example.com", "Zip": "3310"},
            {**row, "E-mail": "z3@example.com", "Zip": "33101", "State": "Floridaa"},
        ]
    )
    _upload(client, world, content)
    report = _the_import(world).report
    reasons = {entry["line"]: entry["reasons"] for entry in report["rejected"]}
    assert list(reasons) == [3, 4]
    assert "is not a valid ZIP code" in reasons[3][0]
    assert "is not a US state" in reasons[4][0]
    assert report["preview"]["create"] == 1
