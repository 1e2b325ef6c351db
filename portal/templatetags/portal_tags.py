from django import template

from portal.navigation import portal_navigation

register = template.Library()


@register.simple_tag(takes_context=True)
def portal_nav(context) -> list[dict]:
    return portal_navigation(context["request"].path)
