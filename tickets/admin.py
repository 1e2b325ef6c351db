"""The platform admin (/platform-admin/, Threadline staff only): which tenant receives mail on a
custom domain. Tenants never see this; they claim a domain by adding an inbox address on it."""

from django.contrib import admin

from tickets.models import InboundDomain
from tickets.services import configuration


@admin.register(InboundDomain)
class InboundDomainAdmin(admin.ModelAdmin):
    list_display = ["domain", "claimed_by", "claimed_at"]
    search_fields = ["domain", "claimed_by__name", "claimed_by__slug"]
    fields = ["domain", "claimed_by"]

    def get_readonly_fields(self, request, obj=None):
        # Another domain is another claim: add it, do not rename this one.
        return ["domain"] if obj else []

    def save_model(self, request, obj, form, change):
        """Reassigning goes through the service, which takes the domain's addresses away from
        the tenant that loses it (in the same transaction)."""
        claim = configuration.inbound_domain_assign(domain=obj.domain, tenant=obj.claimed_by)
        obj.pk, obj.claimed_at = claim.pk, claim.claimed_at
