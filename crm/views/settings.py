"""/settings/: the tenant's own admin pages (tenant admins only; Django admin is platform staff's)."""

import copy
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from crm.forms import (
    AuditFilterForm,
    BrandForm,
    ClosedDayForm,
    MemberInviteForm,
    MembershipForm,
    TenantProfileForm,
    TimeOffForm,
)
from crm.kit.access import admin_required
from crm.models import ClosedDay
from crm.selectors.audit import (
    AuditFilters,
    audit_actor_choices,
    audit_kind_choices,
    audit_page,
    audit_team,
)
from crm.selectors.brands import brand_get, brands_for_tenant
from crm.selectors.calendar import closed_days, upcoming_public_holidays
from crm.selectors.members import membership_get, team_members, time_off_get, time_off_upcoming
from crm.services import members as member_services
from crm.services.calendar import closed_day_add, closed_day_remove, public_holidays_set
from crm.services.members import membership_update, time_off_remove
from crm.services.workspace import brand_save, tenant_update_profile


@admin_required
@require_http_methods(["GET", "POST"])
def profile(request):
    # A copy: validating writes the submitted values onto the instance, and request.tenant is
    # what the page header and time zone read, saved or not.
    form = TenantProfileForm(request.POST or None, instance=copy.copy(request.tenant))
    if request.method == "POST" and form.is_valid():
        changes = {field: form.cleaned_data[field] for field in form.Meta.fields}
        tenant_update_profile(
            tenant=request.tenant,
            actor=request.user,
            business_hours=form.cleaned_data["business_hours"],
            **changes,
        )
        messages.success(request, _("Business profile saved."))
        return redirect("settings:profile")
    return render(request, "crm/settings/profile.html", {"form": form, "section": "profile"})


@admin_required
def brand_list(request):
    brands = brands_for_tenant(tenant=request.tenant)
    return render(request, "crm/settings/brands.html", {"brands": brands, "section": "brands"})


@admin_required
@require_http_methods(["GET", "POST"])
def brand_edit(request, brand_pk: int | None = None):
    brand = brand_get(tenant=request.tenant, brand_id=brand_pk) if brand_pk else None
    form = BrandForm(
        request.POST or None, request.FILES or None, instance=brand, tenant=request.tenant
    )
    if request.method == "POST" and form.is_valid():
        saved = brand_save(
            tenant=request.tenant,
            actor=request.user,
            brand=brand,
            logo=form.cleaned_data["logo_file"],
            remove_logo=form.cleaned_data["remove_logo"],
            **{field: form.cleaned_data[field] for field in form.Meta.fields},
        )
        messages.success(request, _("Brand %(name)s saved.") % {"name": saved.name})
        return redirect("settings:brands")
    return render(
        request, "crm/settings/brand_form.html", {"form": form, "brand": brand, "section": "brands"}
    )


@admin_required
def team(request):
    members = team_members(tenant=request.tenant)
    return render(
        request,
        "crm/settings/team.html",
        {"members": members, "invite_form": MemberInviteForm(), "section": "team"},
    )


@admin_required
@require_http_methods(["POST"])
def member_invite(request):
    form = MemberInviteForm(request.POST)
    if form.is_valid():
        try:
            invitation = member_services.member_invite(
                tenant=request.tenant, actor=request.user, request=request, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error("email", error)
        else:
            email = invitation.membership.user.email
            joined = (
                _("%(email)s joined the team. They will get an email to choose a password.")
                if invitation.invitation_sent
                else _("%(email)s joined the team.")
            )
            messages.success(request, joined % {"email": email})
            return redirect("settings:team")
    members = team_members(tenant=request.tenant)
    return render(
        request,
        "crm/settings/team.html",
        {"members": members, "invite_form": form, "section": "team"},
        status=400,
    )


def _member_page(request, membership, form, time_off_form, status: int = 200):
    time_off = time_off_upcoming(tenant=request.tenant, membership=membership)
    return render(
        request,
        "crm/settings/member_form.html",
        {
            "form": form,
            "membership": membership,
            "time_off": time_off,
            "time_off_form": time_off_form,
            "section": "team",
        },
        status=status,
    )


@admin_required
@require_http_methods(["GET", "POST"])
def member_edit(request, membership_pk: int):
    membership = membership_get(tenant=request.tenant, membership_id=membership_pk)
    form = MembershipForm(request.POST or None, instance=membership)
    if request.method == "POST" and form.is_valid():
        changes = {field: form.cleaned_data[field] for field in form.Meta.fields}
        try:
            membership_update(
                tenant=request.tenant,
                actor=request.user,
                membership=membership,
                territories=form.cleaned_data["territories"],
                weekly_availability=form.cleaned_data["weekly_availability"],
                **changes,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("%(user)s updated.") % {"user": membership.user})
            return redirect("settings:team")
    return _member_page(request, membership, form, TimeOffForm())


@admin_required
@require_POST
def time_off_add(request, membership_pk: int):
    membership = membership_get(tenant=request.tenant, membership_id=membership_pk)
    time_off_form = TimeOffForm(request.POST)
    if time_off_form.is_valid():
        try:
            member_services.time_off_add(
                tenant=request.tenant,
                actor=request.user,
                membership=membership,
                **time_off_form.cleaned_data,
            )
        except ValidationError as error:
            time_off_form.add_error(None, error)
        else:
            messages.success(request, _("Time off added for %(user)s.") % {"user": membership.user})
            return redirect("settings:member-edit", membership_pk=membership.pk)
    form = MembershipForm(instance=membership)
    return _member_page(request, membership, form, time_off_form, status=400)


@admin_required
@require_POST
def time_off_delete(request, time_off_pk: int):
    time_off = time_off_get(tenant=request.tenant, time_off_id=time_off_pk)
    time_off_remove(tenant=request.tenant, actor=request.user, time_off=time_off)
    messages.success(
        request,
        _("Time off %(time_off)s removed for %(user)s.")
        % {"time_off": time_off, "user": time_off.membership.user},
    )
    return redirect("settings:member-edit", membership_pk=time_off.membership_id)


@admin_required
@require_GET
def audit_log(request):
    team = audit_team(tenant=request.tenant)
    form = AuditFilterForm(
        request.GET or None,
        actors=audit_actor_choices(team=team),
        kinds=audit_kind_choices(),
    )
    values = form.cleaned_data if form.is_bound and form.is_valid() else {}
    filters = AuditFilters(
        who=values.get("who") or "",
        what=values.get("what") or "",
        since=values.get("since"),
        until=values.get("until"),
        q=values.get("q") or "",
    )
    page = audit_page(
        tenant=request.tenant, filters=filters, after=request.GET.get("after"), team=team
    )
    query = urlencode([(k, v) for k, v in request.GET.items() if k != "after" and v])
    context = {
        "entries": page.items,
        "page": page,
        "form": form,
        "query": query,
        "filtered": any(filters.__dict__.values()),
        "section": "audit",
    }
    if request.htmx and request.GET.get("after"):
        return render(request, "crm/settings/audit.html#rows", context)
    return render(request, "crm/settings/audit.html", context)


@admin_required
@require_http_methods(["GET", "POST"])
def business_calendar_page(request):
    """Settings → Business calendar: the public holidays that count as days off and the
    admin's own closed days (SLAs and lead aging skip both)."""
    form = ClosedDayForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            closed_day_add(
                tenant=request.tenant,
                actor=request.user,
                date=form.cleaned_data["date"],
                name=form.cleaned_data["name"],
            )
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("Closed day added."))
            return redirect("settings:calendar")
    today = request.tenant.today()
    return render(
        request,
        "crm/settings/calendar.html",
        {
            "form": form,
            "closed_days": closed_days(tenant=request.tenant, since=today),
            "holidays": upcoming_public_holidays(tenant=request.tenant, since=today),
            "section": "calendar",
        },
        status=400 if form.errors else 200,
    )


@admin_required
@require_POST
def closed_day_delete(request, closed_day_pk: int):
    try:
        closed_day_remove(tenant=request.tenant, actor=request.user, closed_day_id=closed_day_pk)
    except ClosedDay.DoesNotExist as missing:
        raise Http404("No such closed day.") from missing
    messages.success(request, _("Closed day removed."))
    return redirect("settings:calendar")


@admin_required
@require_POST
def public_holidays_toggle(request):
    public_holidays_set(
        tenant=request.tenant, actor=request.user, observed=request.POST.get("observed") == "on"
    )
    messages.success(request, _("Public holidays setting saved."))
    return redirect("settings:calendar")
