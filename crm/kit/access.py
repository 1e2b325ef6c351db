"""Who may open a staff page: the role checks every app's views share."""

from crm.permissions import ADMINS, MANAGERS, tenant_member_required

admin_required = tenant_member_required(roles=ADMINS)
"""The view is for the tenant's admins (the settings pages)."""

manager_required = tenant_member_required(roles=MANAGERS)
"""The view is for managers and admins."""
