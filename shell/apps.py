from django.apps import AppConfig


class ShellConfig(AppConfig):
    """The staff pages' frame (navigation by role) and the pages composed from several apps:
    the home page and the contact pages."""

    name = "shell"

    def ready(self):
        from django.urls import reverse

        from crm.kit import links
        from crm.templatetags.paths import path_to_id

        # Lower apps link to these pages through crm.kit.links, without naming shell's URLs;
        # rows of a list reverse each pattern once (path_to_id).
        links.staff_pages_provide(
            lead_page=lambda lead_id: path_to_id("leads:detail", lead_id),
            contact_page=lambda contact_id: path_to_id("contacts:detail", contact_id),
            lead_list=lambda: reverse("leads:list"),
            contact_list=lambda: reverse("contacts:list"),
            home=lambda: reverse("home"),
            search=lambda: reverse("search"),
        )
