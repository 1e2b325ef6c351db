import functools

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect

from crm.models import Membership, Role

MANAGERS = (Role.ADMIN, Role.MANAGER)
ADMINS = (Role.ADMIN,)


def may_erase(membership: Membership) -> bool:
    """Managers and admins carry out or decline a customer's request to be forgotten."""
    return membership.role in MANAGERS


def tenant_member_required(view=None, *, roles: tuple[str, ...] | None = None):
    """The view needs a signed-in member of the active tenant, optionally with one of `roles`.

    Anonymous users go to the login page; users who have not chosen a tenant go to the picker;
    members without the role get 403.
    """

    def decorator(view_func):
        @functools.wraps(view_func)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if request.membership is None:
                return redirect("tenant-choose")
            if roles and request.membership.role not in roles:
                raise PermissionDenied("Your role in this team cannot open this page.")
            return view_func(request, *args, **kwargs)

        return wrapper

    return decorator(view) if view else decorator
