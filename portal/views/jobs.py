"""The signed-in customer's home page and job pages, through `portal_customer_required`
(portal/auth.py)."""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from portal.auth import portal_customer_required
from portal.forms.documents import upload_form
from portal.selectors.documents import portal_job_documents
from portal.selectors.jobs import portal_home, portal_job_detail
from portal.selectors.onboarding import onboarding_progress


@require_GET
@portal_customer_required
def home(request):
    home = portal_home(customer=request.portal)
    context = {
        "home": home,
        # The checklist reuses the properties and jobs the home page has read.
        "onboarding": onboarding_progress(
            customer=request.portal, properties=home.properties, jobs=home.leads
        ),
    }
    return render(request, "portal/home.html", context)


@require_GET
@portal_customer_required
def job_detail(request, job_pk: int):
    customer = request.portal
    detail = portal_job_detail(customer=customer, job_id=job_pk)
    context = {
        "detail": detail,
        "job": detail.job,
        # The header, the team's details and the footer carry this job's brand.
        "page_brand": detail.job.brand,
        "documents": portal_job_documents(customer=customer, job=detail.job.lead),
        "upload_form": upload_form(customer, job=detail.job.lead),
    }
    return render(request, "portal/job.html", context)
