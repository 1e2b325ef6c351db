from django import template

from crm import settings_menu as menu

register = template.Library()


@register.simple_tag
def settings_menu() -> list[dict]:
    """`{% settings_menu as settings_menu_entries %}`: the settings sections every app registered."""
    return menu.settings_menu()
