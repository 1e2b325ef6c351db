"""The settings pages' menu: each app lists its own settings sections in its AppConfig.ready, so
the core's layout (templates/crm/settings/_layout.html) names no higher app's pages."""

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise


@dataclass(frozen=True)
class SettingsSection:
    position: int  # the menu's order, lowest first: the core's sections at 10-40 and 900
    key: str  # the `section` a page's view sets to mark its entry as the open one
    label: str | Promise  # a lazy translation
    url_name: str


_SECTIONS: dict[str, SettingsSection] = {}


def settings_sections_register(*sections: SettingsSection) -> None:
    for section in sections:
        _SECTIONS[section.key] = section


def settings_menu() -> list[dict]:
    """The menu's entries in order: key, label and url, leaving out a page no URL serves."""
    entries = []
    for section in sorted(_SECTIONS.values(), key=lambda section: section.position):
        try:
            url = reverse(section.url_name)
        except NoReverseMatch:
            continue
        entries.append({"key": section.key, "label": section.label, "url": url})
    return entries
