from django.shortcuts import redirect

from crm.context_processors import shell
from crm.permissions import tenant_member_required


@tenant_member_required
def home(request):
    """Land on the first section the member's role can use."""
    items = shell(request)["nav_items"]
    return redirect(items[0]["url"] if items else "notifications:list")
