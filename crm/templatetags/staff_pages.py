"""Links to the staff pages that shell composes, for the templates of the apps below it:
`{% lead_page_url lead %}`, `{% contact_page_url contact_id %}`, `{% leads_list_url %}`,
`{% contacts_list_url %}`, `{% home_url %}`, `{% search_url %}` (each also `... as name`).
The paths come from crm.kit.links, so no template below shell names shell's URLs."""

from django import template

from crm.kit import links

register = template.Library()


@register.simple_tag
def lead_page_url(lead_or_id) -> str:
    return links.lead_page(lead_or_id)


@register.simple_tag
def contact_page_url(contact_or_id) -> str:
    return links.contact_page(contact_or_id)


@register.simple_tag
def leads_list_url() -> str:
    return links.leads_list()


@register.simple_tag
def contacts_list_url() -> str:
    return links.contacts_list()


@register.simple_tag
def home_url() -> str:
    return links.home_page()


@register.simple_tag
def search_url() -> str:
    return links.search_page()
