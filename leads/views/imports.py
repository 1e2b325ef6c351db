"""CSV import of leads: upload and dry run, confirm, follow the progress, download rejected rows."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from crm.kit.access import manager_required
from leads.forms.capture import LeadImportForm
from leads.selectors import imports as import_selectors
from leads.services import imports as lead_imports

REJECTED_ROWS_SHOWN = 500


@manager_required
@require_http_methods(["GET", "POST"])
def import_upload(request):
    tenant = request.tenant
    form = LeadImportForm(request.POST or None, request.FILES or None, tenant=tenant)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            lead_import = lead_imports.lead_import_preview(
                tenant=tenant,
                actor=request.user,
                filename=data["file"].name,
                raw=data["file"].read(),
                pipeline=data["pipeline"],
                source=data["source"],
                owner=data["owner"],
            )
        except ValidationError as exc:
            form.add_error("file", exc)
        else:
            return redirect("leads:import-detail", lead_import_pk=lead_import.pk)
    context = {"form": form, "recent": import_selectors.lead_imports_recent(tenant=tenant)}
    return render(request, "leads/imports/upload.html", context, status=400 if form.errors else 200)


@manager_required
@require_GET
def import_detail(request, lead_import_pk: int):
    lead_import = import_selectors.lead_import_get(
        tenant=request.tenant, lead_import_id=lead_import_pk
    )
    rejected = len(lead_import.report.get("rejected", []))
    context = {
        "lead_import": lead_import,
        "report": lead_import.report,
        "rejected_shown": import_selectors.lead_import_rejected_rows(
            lead_import=lead_import, limit=REJECTED_ROWS_SHOWN
        ),
        "rejected_hidden": max(rejected - REJECTED_ROWS_SHOWN, 0),
    }
    if request.htmx:
        return render(request, "leads/imports/detail.html#report", context)
    return render(request, "leads/imports/detail.html", context)


@manager_required
@require_POST
def import_run(request, lead_import_pk: int):
    lead_import = import_selectors.lead_import_get(
        tenant=request.tenant, lead_import_id=lead_import_pk
    )
    if lead_imports.lead_import_start(
        tenant=request.tenant, actor=request.user, lead_import=lead_import
    ):
        messages.success(request, _("Import started: this page shows how far it has got."))
    else:
        messages.info(request, _("This import has already been started."))
    return redirect("leads:import-detail", lead_import_pk=lead_import.pk)


@manager_required
@require_GET
def import_rejected_csv(request, lead_import_pk: int):
    lead_import = import_selectors.lead_import_get(
        tenant=request.tenant, lead_import_id=lead_import_pk
    )
    stem = lead_import.filename.rsplit(".", 1)[0] or "leads"
    response = HttpResponse(
        import_selectors.rejected_rows_csv(lead_import), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"{stem}-rejected.csv"
    )
    return response
