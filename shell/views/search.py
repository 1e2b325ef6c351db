"""The header search's results page: a plain GET form, so it works without JavaScript."""

from urllib.parse import urlencode

from django.shortcuts import render
from django.views.decorators.http import require_GET

from crm.permissions import tenant_member_required
from shell.selectors.search import search_everything


@tenant_member_required
@require_GET
def search(request):
    results = search_everything(
        tenant=request.tenant, membership=request.membership, text=request.GET.get("q", "")
    )
    text = results.text
    context = {
        "results": results,
        "query": text,
        "contacts_query": urlencode({"q": text}),
        "leads_query": urlencode({"q": text, "scope": "all", "status": "all"}),
        "tickets_query": urlencode({"q": text, "view": "all", "status": "any"}),
    }
    return render(request, "shell/search.html", context)
