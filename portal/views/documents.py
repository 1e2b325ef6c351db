"""The portal's Documents page (/portal/documents/): the customer's documents grouped by job and
property, each opened through a fresh signed link; and their uploads (portal/services/documents.py).

The job page (portal.views.jobs.job_detail) lists the job's documents and posts its upload form
here.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from documents.downloads import (
    LINK_MAX_AGE,
    DownloadLinkExpired,
    document_download_url,
    document_file_response,
    document_link_open,
)
from portal.auth import portal_customer_required
from portal.forms.documents import upload_form
from portal.selectors.documents import (
    customer_audience,
    portal_document_get,
    portal_documents,
    portal_job_documents,
)
from portal.selectors.jobs import portal_job_detail, portal_jobs
from portal.services.documents import portal_document_upload


def _page(request, *, form, status: int = 200):
    customer = request.portal
    context = {
        "documents": portal_documents(customer=customer, after=request.GET.get("after")),
        "form": form,
    }
    return render(request, "portal/documents.html", context, status=status)


@require_GET
@portal_customer_required
def documents_page(request):
    customer = request.portal
    job = None
    if request.GET.get("job", "").isdigit():
        job = portal_jobs(customer).filter(pk=int(request.GET["job"])).first()
    form = upload_form(customer, job=job, kind=request.GET.get("kind"))
    return _page(request, form=form)


@require_POST
@portal_customer_required
def document_upload(request):
    """Store the customer's file; a refusal redraws the page it came from (the Documents page
    or the job page) with the reason next to the file and their other choices kept."""
    customer = request.portal
    form = upload_form(customer, request.POST, request.FILES)
    document = None
    if form.is_valid():
        data = form.cleaned_data
        try:
            document = portal_document_upload(
                customer=customer, job=data["job"], kind=data["kind"], file=data["file"]
            )
        except ValidationError as refused:
            form.add_error("file", refused)
    from_job = request.POST.get("back") == "job"
    job = form.cleaned_data.get("job")
    if document is not None:
        messages.success(
            request, _("Thank you: %(name)s is uploaded.") % {"name": document.original_name}
        )
        if from_job and job is not None:
            return redirect(reverse("portal:job", kwargs={"job_pk": job.pk}) + "#documents")
        return redirect(reverse("portal:documents") + "#documents-list")
    if from_job and job is not None:
        detail = portal_job_detail(customer=customer, job_id=job.pk)
        context = {
            "detail": detail,
            "job": detail.job,
            "documents": portal_job_documents(customer=customer, job=job),
            "upload_form": form,
        }
        return render(request, "portal/job.html", context, status=400)
    return _page(request, form=form, status=400)


@require_GET
@portal_customer_required
def document_open(request, document_pk: int):
    """A document's link on the pages: a fresh signed link for this customer on each click, so a
    page left open for hours still works."""
    customer = request.portal
    document = portal_document_get(customer=customer, document_id=document_pk)
    audience = customer_audience(customer)
    return redirect(document_download_url(document, audience=audience))


@require_GET
@portal_customer_required
def document_download(request, token: str):
    customer = request.portal
    try:
        document_id = document_link_open(
            token,
            tenant=customer.tenant,
            audience=customer_audience(customer),
        )
    except PermissionDenied as not_theirs:
        # Made for someone else (another customer, a team member): to a customer, as if there
        # were no such link at all.
        raise Http404("No such download link.") from not_theirs
    except DownloadLinkExpired:
        minutes = int(LINK_MAX_AGE.total_seconds() // 60)
        return render(
            request, "portal/document_link_expired.html", {"minutes": minutes}, status=403
        )
    document = portal_document_get(customer=customer, document_id=document_id)
    return document_file_response(document)
