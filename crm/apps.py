from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CrmConfig(AppConfig):
    name = "crm"
    verbose_name = "Threadline core"

    def ready(self):
        from crm.tenancy.rls import apply_after_migrate

        post_migrate.connect(apply_after_migrate, sender=self, dispatch_uid="crm-rls")
