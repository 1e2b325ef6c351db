from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from crm.permissions import ADMINS, MANAGERS

# (label, url name, roles that see it). A section shows once its app provides the URL name.
NAVIGATION = [
    (_("Leads"), "leads:list", None),
    (_("Inbox"), "tickets:inbox", None),
    (_("Follow-ups"), "followups:list", None),
    (_("Contacts"), "contacts:list", None),
    (_("Invoices"), "billing:list", MANAGERS),
    (_("Dashboard"), "dashboards:home", MANAGERS),
    (_("Settings"), "settings:profile", ADMINS),
]


def _navigation_for(membership, path: str) -> list[dict]:
    items = []
    for label, url_name, roles in NAVIGATION:
        if roles and membership.role not in roles:
            continue
        try:
            url = reverse(url_name)
        except NoReverseMatch:
            continue
        items.append({"label": label, "url": url, "active": path.startswith(url)})
    return items


def shell(request) -> dict:
    """What the base layout needs: the navigation for the member's role and the active tenant."""
    membership = getattr(request, "membership", None)
    if membership is None:
        return {"nav_items": [], "active_membership": None}
    return {
        "nav_items": _navigation_for(membership, request.path),
        "active_membership": membership,
    }
