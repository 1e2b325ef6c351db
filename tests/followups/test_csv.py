"""CSV export of the filtered list (spreadsheet formulas neutralised) and CSV import with a
preview: junk rows reported per line, nothing written before the member confirms, nothing lost."""

import csv
import datetime as dt
import io

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from followups.models import FollowUp, Priority, Source
from followups.services import followups as services
from followups.services.configuration import follow_up_type_save, follow_up_type_set_archived
from tests.conftest import sign_in
from tests.factories import ContactEmailFactory, ContactFactory, lead_for

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 6, 8, 14, 0, tzinfo=dt.UTC)  # Monday, 10:00 in New York
EXPORT = reverse("followups:export")
IMPORT = reverse("followups:import")


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _rows(response) -> list[dict]:
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


def _email(world) -> str:
    with world.active():
        return world.contact.emails.first().email


def _follow_up(world, member, subject: str, **fields):
    with world.active():
        return services.follow_up_create(
            tenant=world.tenant,
            actor=member.user,
            subject=subject,
            contact=fields.pop("contact", world.contact),
            assignee=member,
            scheduled_at=fields.pop("scheduled_at", NOW + dt.timedelta(days=1)),
            **fields,
        )


# --- Export ---------------------------------------------------------------------------------------


def test_the_export_is_the_filtered_list_with_formulas_neutralised(client, world):
    _follow_up(
        world,
        world.rep,
        '=HYPERLINK("http://evil.example","Click")',
        description="+1 call them back; @everyone",
        priority=Priority.HIGH,
    )
    _follow_up(world, world.rep, "Send the brochure", priority=Priority.LOW)
    _follow_up(world, world.manager, "The manager's own")
    sign_in(client, world.rep)
    response = client.get(EXPORT, {"priority": "high"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    [row] = _rows(response)
    assert row["Subject"] == '\'=HYPERLINK("http://evil.example","Click")'
    assert row["Description"] == "'+1 call them back; @everyone"
    assert row["Contact phone"].startswith("'+1")  # E.164 starts with +: quoted too
    assert row["Date"] == "2026-06-09" and row["Time"] == "10:00"
    assert row["Time zone"] == "America/New_York" and row["Status"] == "Pending"
    assert row["Assignee email"] == world.rep.user.email
    # A rep's list is theirs unless they ask for everyone's; the export follows the list.
    assert len(_rows(client.get(EXPORT))) == 2
    assert len(_rows(client.get(EXPORT, {"assignee": "all"}))) == 3


def test_another_tenants_follow_ups_never_leave_in_an_export(client, world, other_world):
    _follow_up(world, world.manager, "Ours")
    _follow_up(other_world, other_world.manager, "Theirs")
    sign_in(client, world.manager)
    rows = _rows(client.get(EXPORT, {"assignee": "all", "status": "all"}))
    assert [row["Subject"] for row in rows] == ["Ours"]


# --- Import ---------------------------------------------------------------------------------------


def _upload(client, text: str, assignee=None, name: str = "follow-ups.csv"):
    data = {"file": SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")}
    if assignee is not None:
        data["assignee"] = assignee.pk
    return client.post(IMPORT, data)


def test_a_file_is_checked_row_by_row_and_imported_only_when_confirmed(client, world):
    email = _email(world)
    with world.active():
        phone = world.contact.phones.first().number.as_e164
    lead = lead_for(world, owner=world.rep)
    with world.active():
        follow_up_type_save(tenant=world.tenant, actor=world.admin.user, name="Site visit")
        old = follow_up_type_save(tenant=world.tenant, actor=world.admin.user, name="Fax")
        follow_up_type_set_archived(
            tenant=world.tenant, actor=world.admin.user, follow_up_type=old, archived=True
        )
    text = "\n".join(
        [
            "Subject,Type,Date,Time,Priority,Contact email,Contact phone,Assignee email,Lead,Notes",
            f"Call about the quote,call,2026-06-10,2:30 PM,high,{email.upper()},,,{lead.reference},Bring samples",
            f"Walk the roof,Site visit,06/11/2026,09:00,,,{phone},{world.manager.user.email},,",
            f",call,2026-06-10,10:00,,{email},,,,",
            f"Bad date,call,31/31/2026,10:00,,{email},,,,",
            "Nobody we know,call,2026-06-10,10:00,,stranger@example.com,,,,",
            f"Old type,Fax,2026-06-10,10:00,,{email},,,,",
            f"Wrong person,call,2026-06-10,10:00,,{email},,ghost@staff.test,,",
            f"Shouty,call,2026-06-10,10:00,urgent,{email},,,,",
            f"Their lead,call,2026-06-10,10:00,,{email},,,L-999999,",
            f"Done already,call,2026-06-01,10:00,,{email},,,,",
        ]
    )
    sign_in(client, world.rep)
    response = _upload(client, text)
    assert response.status_code == 302
    preview_url = response["Location"]
    page = client.get(preview_url).content.decode()
    with world.active():
        assert not FollowUp.objects.filter(source=Source.IMPORT).exists()  # nothing yet
    assert "<strong>3</strong> follow-ups will be created" in page
    assert "already past their time" in page
    assert "<strong>7</strong> rows rejected" in page
    for reason in (
        "missing subject",
        "date “31/31/2026” is not a date",
        "no contact has stranger@example.com: add the contact first",
        "type “Fax” is archived",
        "no active team member has the email “ghost@staff.test”",
        "priority “urgent” must be high, medium or low",
        "no lead L-999999",
    ):
        assert reason in page
    rejected = client.get(preview_url.rstrip("/") + "/rejected.csv").content.decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(rejected)))
    assert lines[0][:3] == ["Line", "Reason", "Subject"]
    assert [line[0] for line in lines[1:]] == ["4", "5", "6", "7", "8", "9", "10"]

    run_url = preview_url.rstrip("/") + "/run/"
    assert client.post(run_url).status_code == 302
    assert client.post(run_url).status_code == 302  # a second click imports nothing twice
    with world.active():
        made = {
            f.subject: f
            for f in FollowUp.objects.filter(source=Source.IMPORT).select_related("type")
        }
    assert set(made) == {"Call about the quote", "Walk the roof", "Done already"}
    call = made["Call about the quote"]
    assert call.scheduled_at == dt.datetime(2026, 6, 10, 18, 30, tzinfo=dt.UTC)  # 14:30 EDT
    assert call.priority == Priority.HIGH and call.lead_id == lead.pk
    assert call.assignee_id == world.rep.pk and call.contact_id == world.contact.pk
    assert call.description == "Bring samples"
    visit = made["Walk the roof"]
    assert visit.type.name == "Site visit" and visit.assignee_id == world.manager.pk
    assert visit.scheduled_at == dt.datetime(2026, 6, 11, 13, 0, tzinfo=dt.UTC)
    assert "3 follow-ups imported" in client.get(preview_url).content.decode()


def test_an_export_imports_back_and_finished_ones_are_refused(client, world):
    other = ContactFactory(tenant=world.tenant)
    ContactEmailFactory(tenant=world.tenant, contact=other)
    _follow_up(world, world.rep, "Open one", description="=SUM(A1:A9)")
    done = _follow_up(world, world.rep, "Finished one", contact=other)
    with world.active():
        services.follow_up_complete(
            tenant=world.tenant, actor=world.rep.user, follow_up=done, outcome="successful"
        )
    sign_in(client, world.rep)
    exported = b"".join(client.get(EXPORT, {"status": "all"}).streaming_content).decode()
    response = _upload(client, exported, name="export.csv")
    page = client.get(response["Location"]).content.decode()
    assert "<strong>1</strong> follow-up will be created" in page
    assert "status “Completed”: only follow-ups still to do are imported" in page
    client.post(response["Location"].rstrip("/") + "/run/")
    with world.active():
        copy = FollowUp.objects.get(source=Source.IMPORT)
    assert copy.subject == "Open one" and copy.description == "=SUM(A1:A9)"
    assert copy.scheduled_at == NOW + dt.timedelta(days=1)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"PK\x03\x04rest-of-a-zip", "Excel workbook"),
        (b"Name,Phone\nMaria,555\n", "needs these columns too: Subject, Date"),
        (b"", "The submitted file is empty"),
        (b"Subject,Date,Email\n", "no follow-ups under it"),
        (b'Subject,Date,Email\n"open quote,2026-06-10,a@b.test\n', "cannot be read as CSV"),
    ],
)
def test_a_file_that_cannot_be_imported_says_why(client, world, content, message):
    sign_in(client, world.rep)
    response = client.post(
        IMPORT, {"file": SimpleUploadedFile("x.csv", content), "assignee": world.rep.pk}
    )
    assert response.status_code == 400
    assert message in response.content.decode()


def test_an_upload_is_only_its_members(client, world, other_world):
    email = _email(world)
    sign_in(client, world.rep)
    response = _upload(client, f"Subject,Date,Email\nCall,2026-06-10,{email}\n")
    preview_url = response["Location"]
    sign_in(client, world.manager)
    assert client.get(preview_url).status_code == 404
    assert client.post(preview_url.rstrip("/") + "/run/").status_code == 404
    sign_in(client, other_world.rep)
    assert client.get(preview_url).status_code == 404
    with world.active():
        assert not FollowUp.objects.filter(source=Source.IMPORT).exists()


def test_contacts_of_another_tenant_are_not_matched(client, world, other_world):
    theirs = _email(other_world)
    sign_in(client, world.rep)
    response = _upload(client, f"Subject,Date,Email\nCall,2026-06-10,{theirs}\n")
    page = client.get(response["Location"]).content.decode()
    assert f"no contact has {theirs}" in page
