from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Customer portal"

    def ready(self):
        from django.urls import reverse

        from documents.downloads import CUSTOMER_DOWNLOAD
        from messaging.links import CUSTOMER_PORTAL
        from tickets.services.replies import PORTAL_MESSAGES

        # The pages the apps below link to, served here.
        CUSTOMER_PORTAL.provide(lambda: reverse("portal:home"))
        PORTAL_MESSAGES.provide(lambda: reverse("portal:messages"))
        CUSTOMER_DOWNLOAD.provide(
            lambda token: reverse("portal:document-download", kwargs={"token": token})
        )
