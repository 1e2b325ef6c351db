import logging

from django.db import transaction
from django.utils import timezone

from crm.logging import bind_log_context, log_context
from crm.tenancy.context import set_database_user, tenant_context

logger = logging.getLogger(__name__)

ACTIVE_MEMBERSHIP_SESSION_KEY = "active_membership_id"


class TenantMiddleware:
    """Run each signed-in request in one transaction that knows its user and tenant (both walls).

    This replaces ATOMIC_REQUESTS: the transaction must begin before the tenant is set, and the
    view, template rendering and any lazy query all run inside it. A 5xx response rolls it back.
    ``request.tenant`` and ``request.membership`` are None until the user picks a tenant.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.tenant = None
        request.membership = None
        if not request.user.is_authenticated:
            # Sign-in pages, health checks and webhooks see no tenant data and manage their own
            # transactions; a health probe must answer even when the database does not.
            return self.get_response(request)
        with transaction.atomic():
            set_database_user(request.user.pk)
            membership = self._active_membership(request)
            if membership is None:
                return self._respond(request)
            request.membership = membership
            request.tenant = membership.tenant
            token = bind_log_context(tenant=membership.tenant.slug, user=request.user.pk)
            # Dates and times show in the reader's own time zone, else the tenant's.
            request.zone = request.user.zone_in(membership.tenant)
            timezone.activate(request.zone)
            try:
                with tenant_context(membership.tenant):
                    return self._respond(request)
            finally:
                timezone.deactivate()
                log_context.reset(token)

    def _respond(self, request):
        response = self.get_response(request)
        if response.status_code >= 500:
            transaction.set_rollback(True)
        return response

    def _active_membership(self, request):
        from crm.selectors.members import membership_for_user

        membership_id = request.session.get(ACTIVE_MEMBERSHIP_SESSION_KEY)
        if membership_id is None:
            return None
        membership = membership_for_user(user=request.user, membership_id=membership_id)
        if membership is None:
            # Removed from the team or deactivated since they chose it: ask again.
            request.session.pop(ACTIVE_MEMBERSHIP_SESSION_KEY, None)
        return membership
