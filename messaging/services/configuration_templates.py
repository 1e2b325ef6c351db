"""Every write of a tenant's message templates and their variants. Each function is one
transaction, keyword-only, and takes the tenant and the acting admin explicitly.

A variant is saved only if it compiles in the sandbox and names no variable outside
rendering.VARIABLES, so a typo is the admin's error on save and never a blank in a customer's
message. Templates are archived, never deleted: trigger steps point at them (PROTECT) and the
outbox keeps what they said. MessageTemplate and TemplateVariant are audited by their triggers.
"""

import re

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from crm.models import Brand, Language, Tenant, User
from messaging import rendering
from messaging.models import MessageChannel, MessageTemplate, Purpose, TemplateVariant

CONTENT_SID = re.compile(r"^HX[0-9a-fA-F]{32}$")
UNSUBSCRIBE = "unsubscribe_link"

# rendering.validate names the part it found a problem in; the form shows it under that field.
FIELD_LABELS = {"subject": "Subject", "body_text": "Text", "body_html": "HTML"}
VALIDATE_ARGUMENTS = {"subject": "subject", "body_text": "text", "body_html": "html"}


def _lock_template(tenant: Tenant, template: MessageTemplate) -> MessageTemplate:
    """The stored template, locked: saves of its variants take turns, so two admins adding the
    same variant at once get the readable clash, not a database error."""
    return MessageTemplate.objects.select_for_update().get(tenant=tenant, pk=template.pk)


def _email_variants_without_unsubscribe(tenant: Tenant, template: MessageTemplate) -> list[str]:
    variants = TemplateVariant.objects.filter(
        tenant=tenant, template=template, channel=MessageChannel.EMAIL
    ).select_related("brand")
    return [
        _variant_label(variant)
        for variant in variants
        if not _uses_unsubscribe(variant.body_text, variant.body_html)
    ]


def _uses_unsubscribe(body_text: str, body_html: str) -> bool:
    parts = [body_text, body_html] if body_html else [body_text]
    return all(UNSUBSCRIBE in rendering.analyse(part).used for part in parts)


def _variant_label(variant: TemplateVariant) -> str:
    brand = variant.brand.name if variant.brand is not None else "every brand"
    return f"{variant.get_channel_display()} in {variant.get_language_display()} for {brand}"


# --- Templates ----------------------------------------------------------------------------------


@transaction.atomic
def message_template_save(
    *,
    tenant: Tenant,
    actor: User | None,
    template: MessageTemplate | None = None,
    key: str,
    name: str,
    description: str = "",
    purpose: str = Purpose.TRANSACTIONAL,
) -> MessageTemplate:
    """Create a template (template=None) or change its name, description and purpose.

    The key is the template's stable handle (code and demo data find templates by it), so it is
    set once, when the template is created.
    """
    key = key.strip()
    if template is None:
        if MessageTemplate.objects.filter(tenant=tenant, key=key).exists():
            raise ValidationError(
                {"key": _("Another template already has the key “%(key)s”.") % {"key": key}}
            )
        template = MessageTemplate(tenant=tenant, key=key)
    else:
        template = _lock_template(tenant, template)
        if key != template.key:
            raise ValidationError({"key": _("A template's key cannot change once it exists.")})
    template.name, template.description = name.strip(), description.strip()
    template.purpose = purpose
    template.full_clean(exclude=["tenant"])
    if template.pk and purpose == Purpose.MARKETING:
        missing = _email_variants_without_unsubscribe(tenant, template)
        if missing:
            raise ValidationError(
                {
                    "purpose": "Marketing emails must carry {{ unsubscribe_link }}; add it to "
                    + "; ".join(missing)
                    + " first."
                }
            )
    template.save()
    return template


@transaction.atomic
def message_template_archive(
    *, tenant: Tenant, actor: User | None, template: MessageTemplate
) -> int:
    """Archive a template: it leaves the pickers. Returns how many trigger steps still send it,
    so the admin can be told to change them."""
    template = _lock_template(tenant, template)
    template.is_archived = True
    template.save(update_fields=["is_archived"])
    return template.steps.filter(tenant=tenant).count()


@transaction.atomic
def message_template_restore(
    *, tenant: Tenant, actor: User | None, template: MessageTemplate
) -> None:
    template = _lock_template(tenant, template)
    template.is_archived = False
    template.save(update_fields=["is_archived"])


# --- Variants -----------------------------------------------------------------------------------


def _check_sources(*, subject: str, body_text: str, body_html: str) -> None:
    """Every part compiles in the sandbox and uses only known variables; all problems at once."""
    errors = {}
    for field, source in (("subject", subject), ("body_text", body_text), ("body_html", body_html)):
        if not source:
            continue
        try:
            rendering.validate(**{"text": "", VALIDATE_ARGUMENTS[field]: source})
        except rendering.TemplateProblem as problem:
            errors[field] = str(problem).removeprefix(f"{FIELD_LABELS[field]}: ")
    if errors:
        raise ValidationError(errors)


def _refuse_clash(
    *,
    tenant: Tenant,
    template: MessageTemplate,
    variant: TemplateVariant | None,
    channel: str,
    language: str,
    brand: Brand | None,
) -> None:
    """A template has one variant per channel, language and brand: another one is refused."""
    clash = TemplateVariant.objects.filter(
        tenant=tenant, template=template, channel=channel, language=language, brand=brand
    )
    if variant is not None:
        clash = clash.exclude(pk=variant.pk)
    if clash.exists():
        values = {
            "template": template.name,
            "channel": MessageChannel(channel).label,
            "language": _language_label(language),
        }
        if brand is not None:
            message = _(
                "“%(template)s” already has %(channel)s in %(language)s for %(brand)s: edit "
                "that one instead."
            ) % {**values, "brand": brand.name}
        else:
            message = (
                _(
                    "“%(template)s” already has %(channel)s in %(language)s for every brand: edit "
                    "that one instead."
                )
                % values
            )
        raise ValidationError({NON_FIELD_ERRORS: message})


@transaction.atomic
def template_variant_save(
    *,
    tenant: Tenant,
    actor: User | None,
    template: MessageTemplate,
    variant: TemplateVariant | None = None,
    channel: str,
    language: str,
    brand: Brand | None = None,
    subject: str = "",
    body_text: str,
    body_html: str = "",
    whatsapp_approved: bool = False,
    whatsapp_content_sid: str = "",
) -> TemplateVariant:
    """Create a variant of `template` (variant=None) or change one.

    Only the parts a channel sends are kept: a subject and HTML for email, the WhatsApp approval
    for WhatsApp.
    """
    if template.tenant_id != tenant.pk or (brand is not None and brand.tenant_id != tenant.pk):
        raise ValidationError(_("Pick a template and a brand of this team."))
    template = _lock_template(tenant, template)
    is_email, is_whatsapp = channel == MessageChannel.EMAIL, channel == MessageChannel.WHATSAPP
    subject = " ".join(subject.split()) if is_email else ""
    body_html = body_html.strip() if is_email else ""
    body_text = body_text.strip()
    whatsapp_approved = whatsapp_approved and is_whatsapp
    whatsapp_content_sid = whatsapp_content_sid.strip() if is_whatsapp else ""

    errors = {}
    if is_email and not subject:
        errors["subject"] = _("An email needs a subject.")
    if not body_text:
        errors["body_text"] = _("Write the message.")
    if whatsapp_approved and not CONTENT_SID.match(whatsapp_content_sid):
        errors["whatsapp_content_sid"] = _(
            "An approved template needs its Twilio Content SID: HX followed by 32 letters and "
            "digits (Twilio console, Content Template Builder)."
        )
    if errors:
        raise ValidationError(errors)
    _check_sources(subject=subject, body_text=body_text, body_html=body_html)
    if (
        is_email
        and template.purpose == Purpose.MARKETING
        and not _uses_unsubscribe(body_text, body_html)
    ):
        field = "body_html" if UNSUBSCRIBE in rendering.analyse(body_text).used else "body_text"
        raise ValidationError(
            {
                field: _(
                    "A marketing email must carry {{ unsubscribe_link }} (the law wants a way out)."
                )
            }
        )

    _refuse_clash(
        tenant=tenant,
        template=template,
        variant=variant,
        channel=channel,
        language=language,
        brand=brand,
    )
    if variant is None:
        variant = TemplateVariant(tenant=tenant, template=template)
    else:
        variant = TemplateVariant.objects.select_for_update().get(
            tenant=tenant, template=template, pk=variant.pk
        )
    variant.channel, variant.language, variant.brand = channel, language, brand
    variant.subject, variant.body_text, variant.body_html = subject, body_text, body_html
    variant.whatsapp_approved = whatsapp_approved
    variant.whatsapp_content_sid = whatsapp_content_sid
    variant.updated_by = actor
    variant.full_clean(exclude=["tenant", "template", "brand", "updated_by"])
    variant.save()
    return variant


def _language_label(language: str) -> str:
    return dict(Language.choices).get(language, language)


@transaction.atomic
def template_variant_delete(
    *, tenant: Tenant, actor: User | None, variant: TemplateVariant
) -> None:
    TemplateVariant.objects.filter(tenant=tenant, pk=variant.pk).delete()
