from django import template
from django.conf import settings

from portal.navigation import portal_navigation

register = template.Library()


@register.simple_tag
def portal_languages() -> list[tuple[str, str]]:
    """The languages the portal speaks, each named in itself (settings.LANGUAGES): a switcher
    must not call Dutch "Engels"."""
    return list(settings.LANGUAGES)


@register.simple_tag(takes_context=True)
def portal_nav(context) -> list[dict]:
    return portal_navigation(context["request"].path)


@register.simple_tag(takes_context=True)
def portal_brand(context):
    """The brand a portal page carries: the page's own (`page_brand`: a job's, or the brand a
    sign-in link came from), else the signed-in customer's (their most recent job's)."""
    page_brand = context.get("page_brand")
    if page_brand is not None:
        return page_brand
    customer = getattr(context.get("request"), "portal", None)
    return customer.brand if customer is not None else None
