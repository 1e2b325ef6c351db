"""The portal's navigation: (label, URL name). An entry shows once its page exists, so an app
adds its portal page here and the link appears the day the URL does (e.g. documents, messages)."""

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

PORTAL_NAVIGATION = [
    (_("Your jobs"), "portal:home"),
    (_("Getting started"), "portal:onboarding"),
    (_("Messages"), "portal:messages"),
    (_("Documents"), "portal:documents"),
    (_("Invoices"), "portal:invoices"),
    (_("Updates"), "portal:updates"),
    (_("Preferences"), "portal:preferences"),
]


def portal_navigation(path: str) -> list[dict]:
    items = []
    for label, url_name in PORTAL_NAVIGATION:
        try:
            url = reverse(url_name)
        except NoReverseMatch:
            continue
        if url_name == "portal:home":
            # Every other page starts with /portal/ too; a job page belongs to "Your jobs".
            active = path == url or path.startswith(f"{url}jobs/")
        else:
            active = path.startswith(url)
        items.append({"label": label, "url": url, "active": active})
    return items
