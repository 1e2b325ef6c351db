"""A URL whose view fails halfway through a write, for the error-handling tests."""

from django.db import OperationalError
from django.urls import include, path

from crm.models import Notification
from crm.permissions import tenant_member_required


@tenant_member_required
def write_then_fail(request):
    Notification.objects.create(tenant=request.tenant, recipient=request.user, title="half-done")
    raise RuntimeError("the view broke after writing")


def database_gone(request):
    raise OperationalError("server closed the connection unexpectedly")


urlpatterns = [
    path("fail/", write_then_fail),
    path("database-gone/", database_gone),
    path("", include("config.urls")),
]

handler500 = "crm.views.errors.server_error"
