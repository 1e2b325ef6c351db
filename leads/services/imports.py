"""The CSV import of leads: the preview (a dry run) and the run in batches; reading and checking
the file is leads/services/imports_check.py.

Rows become leads through `lead_create_with_contact` and `contact_find_or_create`, so a person
already known by email or E.164 phone is matched, never created twice. Outside input is never
trusted to be well formed: every problem is reported back per line, and nothing is lost."""

import copy
import datetime as dt
import itertools
import logging

from django.core.exceptions import ValidationError
from django.db import DataError, IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from crm.kit.csv_files import (
    CsvLayout,
    ImportFileError,
    csv_data_rows,
    decode_csv_upload,
)
from crm.kit.links import contacts_list, leads_list
from crm.kit.stored_text import ngettext_noop, stored_plural, stored_split
from crm.models import (
    AddressSource,
    Membership,
    NotificationLevel,
    Role,
    Tenant,
    User,
)
from crm.selectors.contacts import AddressHold, address_holds, sender_contact
from crm.services.contacts import contact_find_or_create
from crm.services.notifications import notification_create, notifications_notify_roles
from crm.tenancy.tasks import enqueue_on_commit
from leads.models import LeadImport, LeadImportStatus, LeadSource, LeadType, Pipeline, Stage
from leads.services.imports_check import COLUMNS, CheckedRow, RowChecker, read_layout
from leads.services.leads import lead_create_with_contact
from leads.services.stages import first_stage

logger = logging.getLogger(__name__)

IMPORT_SOURCE = "CSV import"
IMPORT_BATCH_SIZE = 25  # a few seconds of lead creation: the lead-number lock is held that long
PREVIEW_ROWS = 20
LISTED_MATCHES = 500


def _existing_contacts(tenant: Tenant, rows: list[CheckedRow]) -> dict[int, dict]:
    """The contact each row will match (by its line), by the rule the import itself follows
    (crm.selectors.contacts.sender_contact), the addresses read a chunk per query."""
    emails = sorted({row.email for row in rows if row.email})
    phones = sorted({row.phone_e164 for row in rows if row.phone_e164})
    holds: dict[str, list[AddressHold]] = {}
    for kind, values in (("email", emails), ("phone", phones)):
        for start in range(0, len(values), 1000):
            chunk = values[start : start + 1000]
            for hold in address_holds(tenant=tenant, **{f"{kind}s": chunk}):
                holds.setdefault(f"{kind}:{hold.address}", []).append(hold)
    found = {}
    for row in rows:
        contact = sender_contact(hold for key in row.contact_keys() for hold in holds.get(key, ()))
        if contact is not None:
            found[row.line] = {"id": contact.pk, "name": contact.display_name}
    return found


def _sample(row: CheckedRow, pipeline_start: Stage | None, default_owner, default_source) -> dict:
    address = row.address or {}
    owner = row.owner or default_owner
    source = row.source or default_source
    stage = row.stage or pipeline_start
    return {
        "line": row.line,
        "name": row.name,
        "company": row.company_name if row.name != row.company_name else "",
        "email": row.email,
        "phone": row.phone.as_international if row.phone is not None else "",
        "address": ", ".join(
            part
            for part in (
                address.get("address_line1"),
                address.get("city"),
                " ".join(filter(None, (address.get("state"), address.get("postal_code")))),
            )
            if part
        ),
        "title": row.title,
        "stage": stage.name if stage else "",
        "source": source.name if source else "",
        "owner": str(owner.user) if owner else "Assigned automatically",
        "value": str(row.estimated_value) if row.estimated_value is not None else "",
        "cost": str(row.cost) if row.cost is not None else "",
        "type": str(LeadType(row.lead_type).label) if row.lead_type else "",
        "note": row.note[:200],
    }


def _dry_run(
    *,
    tenant: Tenant,
    text: str,
    layout: CsvLayout,
    pipeline: Pipeline,
    source: LeadSource | None,
    owner: Membership | None,
) -> dict:
    """What importing the file would do, without writing a lead."""
    checker = RowChecker(tenant=tenant, pipeline=pipeline, layout=layout)
    rows = [checker.check(line, cells) for line, cells in csv_data_rows(text, layout)]
    if not rows:
        raise ImportFileError(_("The file has a header row but no leads under it."))
    good = [row for row in rows if not row.reasons]
    existing = _existing_contacts(tenant, good)
    seen_in_file: dict[str, int] = {}
    counts = {"new_contacts": 0, "existing_contacts": 0, "file_duplicates": 0}
    matches: list[dict] = []
    duplicates: list[dict] = []
    sample: list[dict] = []
    start = first_stage(pipeline)
    for row in good:
        keys = row.contact_keys()
        known = existing.get(row.line)
        earlier = next((seen_in_file[key] for key in keys if key in seen_in_file), None)
        if known is not None:
            counts["existing_contacts"] += 1
            outcome = {"kind": "existing", "contact_id": known["id"], "name": known["name"]}
            if len(matches) < LISTED_MATCHES:
                matches.append({"line": row.line, "name": row.name, **outcome})
        elif earlier is not None:
            counts["file_duplicates"] += 1
            outcome = {"kind": "earlier_row", "line": earlier}
            if len(duplicates) < LISTED_MATCHES:
                duplicates.append({"line": row.line, "name": row.name, "earlier_line": earlier})
        else:
            counts["new_contacts"] += 1
            outcome = {"kind": "new"}
        for key in keys:
            seen_in_file.setdefault(key, row.line)
        if len(sample) < PREVIEW_ROWS:
            sample.append({**_sample(row, start, owner, source), "contact": outcome})
    rejected = [_rejected_entry(row, layout) for row in rows if row.reasons]
    return {
        "preview": {"rows": len(rows), "create": len(good), "rejected": len(rejected), **counts},
        "sample": sample,
        "matches": matches,
        "duplicates": duplicates,
        "rejected": rejected,
    }


def _rejected_entry(row: CheckedRow, layout: CsvLayout) -> dict:
    cells = row.cells + [""] * (len(layout.headers) - len(row.cells))
    return {"line": row.line, "reasons": row.reasons, "cells": cells}


@transaction.atomic
def lead_import_preview(
    *,
    tenant: Tenant,
    actor: User,
    filename: str,
    raw: bytes,
    pipeline: Pipeline,
    source: LeadSource | None = None,
    owner: Membership | None = None,
) -> LeadImport:
    """Check an uploaded CSV of leads and keep it with the report of what importing it would do.

    Raises ImportFileError when the file as a whole cannot be read; bad rows are only reported.
    """
    if any(choice is not None and choice.tenant_id != tenant.pk for choice in (pipeline, source)):
        raise ValidationError(_("Pick a pipeline and a source of this team."))
    if owner is not None and (owner.tenant_id != tenant.pk or not owner.is_active):
        raise ValidationError(_("Leads can only go to active members of this team."))
    text, encoding_note = decode_csv_upload(raw)
    layout = read_layout(text)
    report = _dry_run(
        tenant=tenant, text=text, layout=layout, pipeline=pipeline, source=source, owner=owner
    )
    report.update(
        layout.as_report(),
        columns=[
            {"header": layout.headers[index], "label": COLUMNS[name][0]}
            for name, index in sorted(layout.fields.items(), key=lambda item: item[1])
        ],
        encoding_note=encoding_note,
        owner_id=owner.pk if owner else None,
        owner_name=str(owner.user) if owner else "",
    )
    return LeadImport.objects.create(
        tenant=tenant,
        uploaded_by=actor,
        filename=filename[:200],
        content=text,
        pipeline=pipeline,
        source=source,
        report=report,
    )


@transaction.atomic
def lead_import_start(*, tenant: Tenant, actor: User, lead_import: LeadImport) -> bool:
    """Confirm a previewed import and queue it. False when it had already started (a double
    click or a replayed post): the row lock makes the second request wait and then see that."""
    locked = LeadImport.objects.select_for_update().get(tenant=tenant, pk=lead_import.pk)
    if locked.status != LeadImportStatus.PREVIEWED:
        return False
    locked.status = LeadImportStatus.RUNNING
    locked.report = {
        **locked.report,
        "progress": {"position": 0, "total": locked.report["preview"]["rows"]},
        "result": {"created": 0, "new_contacts": 0, "existing_contacts": 0, "rejected": 0},
        "rejected": [],
    }
    locked.save(update_fields=["status", "report"])
    logger.info("User %s started lead import %s", actor.pk, locked.pk)
    from leads.queued_tasks import run_lead_import

    enqueue_on_commit(run_lead_import, tenant.pk, locked.pk)
    return True


def _import_row(
    *, tenant: Tenant, lead_import: LeadImport, row: CheckedRow, owner: Membership | None
) -> tuple[bool, int | None, int]:
    """Create the row's lead: whether its contact is new, who owns the lead now, and how many
    addresses an existing contact got unverified."""
    actor = lead_import.uploaded_by
    match = contact_find_or_create(
        tenant=tenant,
        actor=actor,
        source=IMPORT_SOURCE,
        address_source=AddressSource.CSV_IMPORT,
        # One import tells the team once, when it ends; each contact's timeline has the detail.
        notify_team=False,
        first_name=row.first_name,
        last_name=row.last_name,
        company_name=row.company_name,
        emails=[row.email] if row.email else [],
        phones=[row.phone] if row.phone is not None else [],
    )
    owner = row.owner or owner
    lead = lead_create_with_contact(
        tenant=tenant,
        actor=actor,
        contact=match.contact,
        contact_details={},
        new_address=row.address,
        source_label=IMPORT_SOURCE,
        announce=False,
        pipeline=lead_import.pipeline,
        stage=row.stage,
        lead_type=row.lead_type,
        title=row.title,
        source=row.source or lead_import.source,
        cost=row.cost,
        estimated_value=row.estimated_value,
        owner=owner,
        assign_automatically=owner is None,
        note=row.note,
        notify_owner=False,  # one summary per owner when the import ends, not one per row
    )
    return match.created, lead.owner_id, len(match.unverified_added)


def _default_owner(tenant: Tenant, owner_id: int | None) -> Membership | None:
    """The owner the preview chose for rows that name none, if still an active member."""
    if not owner_id:
        return None
    return (
        Membership.objects.filter(tenant=tenant, pk=owner_id, is_active=True)
        .select_related("user")
        .first()
    )


def _imported_count(result: dict, *, is_new: bool, owner_id: int | None, unverified: int) -> None:
    """One imported row in the report's result: its contact new or known, its owner."""
    result["created"] += 1
    result["new_contacts" if is_new else "existing_contacts"] += 1
    if unverified:
        result["unverified_addresses"] = result.get("unverified_addresses", 0) + unverified
    owners = result.setdefault("owners", {})
    owners[str(owner_id or "")] = owners.get(str(owner_id or ""), 0) + 1


def _import_stopped(lead_import: LeadImport, committed: dict, line: int | None) -> None:
    """An unexpected error: the report as the last committed batch left it, and why it stopped."""
    lead_import.report = {
        **committed,
        "error": f"The import stopped at line {line} because of an unexpected error. "
        f"Leads from the lines before it were imported; lines from {line} on were not: "
        "import them again from a file of their own.",
    }
    lead_import.status = LeadImportStatus.FAILED
    lead_import.finished_at = timezone.now()
    lead_import.save(update_fields=["report", "status", "finished_at"])


def lead_import_run_batch(
    *, tenant: Tenant, lead_import_id: int, batch_size: int = IMPORT_BATCH_SIZE
) -> bool:
    """Import the next `batch_size` rows of a confirmed import; True while rows remain.

    Each batch is its own transaction (the task queues the next batch when this one commits)
    rather than one transaction for the whole file: a long import would otherwise hold the
    tenant's lead-number lock, and every web-form lead and staff lead would wait for it, and its
    progress would be invisible until the end. The import's row is locked while a batch runs and
    its position is saved with the batch's leads, so a batch run twice (a redelivered task, a
    duplicate message) starts where the last committed one ended and imports nothing twice.
    """
    lead_import = (
        LeadImport.objects.select_for_update(of=("self",))
        .select_related("pipeline", "source", "uploaded_by")
        .filter(tenant=tenant, pk=lead_import_id)
        .first()
    )
    if lead_import is None or lead_import.status != LeadImportStatus.RUNNING:
        return False
    committed = copy.deepcopy(lead_import.report)
    report = lead_import.report
    progress, result = report["progress"], report["result"]
    layout = CsvLayout.from_report(report)
    owner = _default_owner(tenant, report["owner_id"])
    checker = RowChecker(tenant=tenant, pipeline=lead_import.pipeline, layout=layout)
    start = progress["position"]
    rows = itertools.islice(csv_data_rows(lead_import.content, layout), start, start + batch_size)
    line = None
    try:
        with transaction.atomic():
            for line, cells in rows:
                row = checker.check(line, cells)
                if not row.reasons:
                    try:
                        with transaction.atomic():
                            is_new, owner_id, unverified = _import_row(
                                tenant=tenant, lead_import=lead_import, row=row, owner=owner
                            )
                    except (ValidationError, IntegrityError, DataError) as exc:
                        messages = getattr(exc, "messages", None) or [str(exc)]
                        row.reasons.append("could not be saved: " + " ".join(messages))
                if row.reasons:
                    result["rejected"] += 1
                    report["rejected"].append(_rejected_entry(row, layout))
                else:
                    _imported_count(result, is_new=is_new, owner_id=owner_id, unverified=unverified)
                progress["position"] += 1
    except Exception:
        logger.exception("Lead import %s stopped at line %s", lead_import.pk, line)
        _import_stopped(lead_import, committed, line)
        return False
    finished = progress["position"] >= progress["total"]
    if finished:
        lead_import.status = LeadImportStatus.DONE
        lead_import.finished_at = timezone.now()
        # The rejected rows are in the report; the rest of the upload has become leads.
        lead_import.content = ""
        _tell_owners_about_import(tenant, lead_import)
    lead_import.save(update_fields=["report", "status", "finished_at", "content"])
    return not finished


def _stored_title(message: dict) -> dict:
    """A stored message as a notification's title and title_params."""
    title, title_params = stored_split(message)
    return {"title": title, "title_params": title_params}


def _tell_owners_about_import(tenant: Tenant, lead_import: LeadImport) -> None:
    """One notification per owner for the leads an import gave them, and one for the managers
    about the leads nobody could take."""
    url = leads_list()
    name = lead_import.filename
    counts = lead_import.report["result"].get("owners", {})
    members = Membership.objects.filter(
        tenant=tenant, pk__in=[int(pk) for pk in counts if pk]
    ).select_related("user")
    for member in members:
        count = counts[str(member.pk)]
        notification_create(
            tenant=tenant,
            recipient=member.user,
            **_stored_title(
                stored_plural(
                    *ngettext_noop(
                        "%(count)d new lead for you from %(name)s",
                        "%(count)d new leads for you from %(name)s",
                    ),
                    count,
                    name=name,
                )
            ),
            url=url,
        )
    if counts.get(""):
        notifications_notify_roles(
            tenant=tenant,
            roles=[Role.MANAGER, Role.ADMIN],
            **_stored_title(
                stored_plural(
                    *ngettext_noop(
                        "%(count)d imported lead needs an owner",
                        "%(count)d imported leads need an owner",
                    ),
                    counts[""],
                )
            ),
            body=gettext_noop("From %(name)s: no rep was available to take them."),
            body_params={"name": name},
            url=f"{url}?scope=unassigned",
            level=NotificationLevel.WARNING,
        )
    unverified = lead_import.report["result"].get("unverified_addresses", 0)
    if unverified:
        notifications_notify_roles(
            tenant=tenant,
            roles=[Role.MANAGER, Role.ADMIN],
            **_stored_title(
                stored_plural(
                    *ngettext_noop(
                        "%(count)d address from %(name)s waits for confirmation",
                        "%(count)d addresses from %(name)s wait for confirmation",
                    ),
                    unverified,
                    name=name,
                )
            ),
            body=gettext_noop(
                "The file gave existing contacts an email or phone they did not have. Each "
                "contact's page lists it as unverified: confirm it if it is theirs, or reject it."
            ),
            body_params={},
            url=contacts_list(),
            level=NotificationLevel.WARNING,
        )


PREVIEW_KEPT_DAYS = 7


def lead_imports_purge_stale(*, tenant: Tenant, now: dt.datetime | None = None) -> int:
    """Uploads previewed but never imported keep customer data for nothing: drop them after a
    week (the uploader can preview the file again)."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=PREVIEW_KEPT_DAYS)
    deleted, _ = LeadImport.objects.filter(
        tenant=tenant, status=LeadImportStatus.PREVIEWED, created_at__lt=cutoff
    ).delete()
    return deleted
