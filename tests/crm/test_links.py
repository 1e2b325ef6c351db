"""The staff pages lower apps link to without naming shell's URLs, and the settings menu every app
adds its sections to (no database: the URL configuration only)."""

from types import SimpleNamespace

from django.template import engines
from django.urls import reverse

from crm.kit import links
from crm.settings_menu import settings_menu


def test_the_staff_pages_are_shells():
    lead = SimpleNamespace(pk=42)
    assert links.lead_page(lead) == links.lead_page(42) == reverse("leads:detail", args=[42])
    assert links.contact_page(7) == reverse("contacts:detail", args=[7])
    assert links.leads_list() == reverse("leads:list")
    assert links.leads_list(sort="created", aging="red") == (
        reverse("leads:list") + "?sort=created&aging=red"
    )
    assert links.contacts_list() == reverse("contacts:list")
    assert links.home_page() == reverse("home")
    assert links.search_page() == reverse("search")
    before, after = links.around_id(links.lead_page)
    assert f"{before}42{after}" == links.lead_page(42)


def test_templates_link_to_them_by_tag():
    template = engines["django"].from_string(
        "{% load staff_pages %}{% lead_page_url lead %} {% contact_page_url 7 as contact %}"
        "{{ contact }} {% leads_list_url %} {% home_url %}"
    )
    assert template.render({"lead": SimpleNamespace(pk=42)}).split() == [
        reverse("leads:detail", args=[42]),
        reverse("contacts:detail", args=[7]),
        reverse("leads:list"),
        reverse("home"),
    ]


def test_the_settings_menu_lists_every_apps_sections_in_order():
    entries = settings_menu()
    keys = [entry["key"] for entry in entries]
    assert keys[:5] == ["profile", "calendar", "brands", "team", "pipelines"]
    assert keys[-3:] == ["webhooks", "api-keys", "audit"]
    assert {"templates", "triggers", "sequences", "follow-up-types", "inboxes"} <= set(keys)
    by_key = {entry["key"]: entry["url"] for entry in entries}
    assert by_key["triggers"] == reverse("automation-settings:triggers")
    assert by_key["api-keys"] == reverse("api-settings:keys")
