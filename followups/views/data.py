"""CSV export of the follow-up list (as filtered) and CSV import: upload and check, preview,
confirm, and the rejected rows as a file to fix."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from crm.kit.csv_files import rejected_rows_csv
from crm.permissions import tenant_member_required
from followups import csv_format
from followups.forms.settings import FollowUpImportForm
from followups.selectors.lists import follow_ups_for_export
from followups.services import csv_import
from followups.views.common import filter_form, in_member_zone

REJECTED_ROWS_SHOWN = 200


@tenant_member_required
@in_member_zone
@require_GET
def follow_ups_export(request):
    """The list as filtered (the same query string as the list), all pages, as CSV."""
    tenant = request.tenant
    query = filter_form(request, request.GET).query()
    follow_ups = follow_ups_for_export(
        tenant=tenant, membership=request.membership, query=query, zone=request.zone
    )
    # Read now, inside the request's tenant transaction; the response streams what was read.
    rows = list(follow_ups.iterator(chunk_size=2000))
    response = StreamingHttpResponse(
        csv_format.export_csv_chunks(rows, zone=request.zone),
        content_type="text/csv; charset=utf-8",
    )
    stamp = timezone.localtime(timezone.now(), request.zone).strftime("%Y-%m-%d")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"follow-ups-{stamp}.csv"
    )
    return response


@tenant_member_required
@in_member_zone
@require_http_methods(["GET", "POST"])
def import_upload(request):
    tenant = request.tenant
    form = FollowUpImportForm(
        request.POST or None, request.FILES or None, tenant=tenant, membership=request.membership
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            state, _ = csv_import.import_preview(
                tenant=tenant,
                actor=request.user,
                membership=request.membership,
                filename=data["file"].name,
                raw=data["file"].read(),
                default_assignee=data["assignee"] or request.membership,
                zone=request.zone,
            )
        except ValidationError as exc:
            form.add_error("file", exc)
        else:
            return redirect("followups:import-preview", token=state.token)
    context = {"form": form, "zone": request.zone}
    return render(request, "followups/import.html", context, status=400 if form.errors else 200)


def _state(request, token: str) -> csv_import.ImportState:
    state = csv_import.import_get(tenant=request.tenant, membership=request.membership, token=token)
    if state is None:
        raise Http404("This upload has expired or is not yours.")
    return state


def _rejected_shown(headers: list[str], rejected: list[dict]) -> list[dict]:
    return [
        {
            "line": entry["line"],
            "reasons": entry["reasons"],
            "cells": [
                (headers[index] if index < len(headers) else f"Column {index + 1}", cell)
                for index, cell in enumerate(entry["cells"])
                if cell.strip()
            ],
        }
        for entry in rejected[:REJECTED_ROWS_SHOWN]
    ]


@tenant_member_required
@in_member_zone
@require_GET
def import_preview(request, token: str):
    state = _state(request, token)
    context = {"state": state, "zone": request.zone}
    if state.result is not None:
        result = state.result
        context |= {
            "result": result,
            "rejected_shown": _rejected_shown(result["headers"], result["rejected"]),
            "rejected_hidden": max(len(result["rejected"]) - REJECTED_ROWS_SHOWN, 0),
        }
        return render(request, "followups/import_preview.html", context)
    try:
        report = csv_import.import_report(tenant=request.tenant, state=state)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("followups:import")
    context |= {
        "report": report,
        "rejected_shown": _rejected_shown(report["headers"], report["rejected"]),
        "rejected_hidden": max(len(report["rejected"]) - REJECTED_ROWS_SHOWN, 0),
    }
    return render(request, "followups/import_preview.html", context)


@tenant_member_required
@in_member_zone
@require_POST
def import_run(request, token: str):
    state = _state(request, token)
    try:
        result = csv_import.import_run(tenant=request.tenant, actor=request.user, state=state)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("followups:import")
    created = result["created"]
    messages.success(
        request,
        ngettext("%(created)s follow-up imported.", "%(created)s follow-ups imported.", created)
        % {"created": created},
    )
    return redirect("followups:import-preview", token=state.token)


@tenant_member_required
@in_member_zone
@require_GET
def import_rejected(request, token: str):
    state = _state(request, token)
    if state.result is not None:
        headers, rejected = state.result["headers"], state.result["rejected"]
    else:
        report = csv_import.import_report(tenant=request.tenant, state=state)
        headers, rejected = report["headers"], report["rejected"]
    stem = state.filename.rsplit(".", 1)[0] or "follow-ups"
    response = HttpResponse(
        rejected_rows_csv(headers=headers, rejected=rejected),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"{stem}-rejected.csv"
    )
    return response
