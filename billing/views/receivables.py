"""The team's invoice list (a rep sees their own jobs' invoices) and the accounting exports of
invoices and payments (managers and admins)."""

from django.contrib import messages
from django.http import StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from billing import csv_export
from billing.forms import ExportPeriodForm, InvoiceListFilterForm
from billing.selectors import exports
from billing.selectors import receivables as selectors
from crm.models import Role
from crm.permissions import MANAGERS, tenant_member_required


@tenant_member_required
@require_GET
def invoice_list(request):
    """Newest first, filtered by status, age, rep, brand and invoice dates; "Show more" loads
    the next page's rows."""
    is_rep = request.membership.role == Role.REP
    form = InvoiceListFilterForm(
        request.GET, tenant=request.tenant, owner=request.membership if is_rep else None
    )
    page = selectors.invoice_list(
        tenant=request.tenant, filters=form.filters(), after=request.GET.get("after")
    )
    params = request.GET.copy()
    params.pop("after", None)
    context = {
        "form": form,
        "page": page,
        "params": params.urlencode(),
        "currency": request.tenant.currency,
        "may_export": request.membership.role in MANAGERS,
        "export_form": ExportPeriodForm(),
    }
    if request.htmx and request.GET.get("after"):
        return render(request, "billing/invoice_list.html#rows", context)
    return render(request, "billing/invoice_list.html", context)


def _export(request, kind: str, read, rows):
    form = ExportPeriodForm(request.GET)
    if not form.is_valid():
        messages.error(
            request, " ".join(error for errors in form.errors.values() for error in errors)
        )
        return redirect("billing:list")
    first, last = form.cleaned_data["start"], form.cleaned_data["end"]
    # Read now, inside the request's tenant transaction; the response streams what was read.
    records = read(tenant=request.tenant, first=first, last=last)
    response = StreamingHttpResponse(
        csv_export.csv_chunks(rows(records)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"{kind}-{first.isoformat()}-{last.isoformat()}.csv"
    )
    return response


@tenant_member_required(roles=MANAGERS)
@require_GET
def invoices_export(request):
    """The invoices and credit notes issued in the period, a row per line."""
    today = request.tenant.today()
    return _export(
        request,
        "invoices",
        exports.invoice_lines_for_export,
        lambda records: csv_export.invoice_rows(records, today=today),
    )


@tenant_member_required(roles=MANAGERS)
@require_GET
def payments_export(request):
    """The payments and refunds received in the period."""
    currency = request.tenant.currency
    return _export(
        request,
        "payments",
        exports.payments_for_export,
        lambda records: csv_export.payment_rows(records, currency=currency),
    )
