"""Contacts who withdrew consent on their preferred channel (a STOP text) before the preferred
channel followed (crm.services.consent.consent_record now moves it): moved the same way, so their next
portal preferences save is not refused for a choice they never made. Self-contained: the
historical models, the fallback order of crm.services.consent.PREFERRED_CHANNEL_FALLBACKS."""

from django.db import migrations

FALLBACKS = ("email", "phone", "whatsapp", "sms")
LABELS = {"email": "Email", "sms": "SMS", "whatsapp": "WhatsApp", "phone": "Phone call"}


def move_off_withdrawn(apps, schema_editor):
    # As the role that runs the migration (the tables' owner): it sees every tenant's rows.
    db = schema_editor.connection.alias
    Contact = apps.get_model("crm", "Contact")
    ContactConsent = apps.get_model("crm", "ContactConsent")
    ContactEmail = apps.get_model("crm", "ContactEmail")
    ContactPhone = apps.get_model("crm", "ContactPhone")
    TimelineEvent = apps.get_model("crm", "TimelineEvent")
    withdrawn = ContactConsent.objects.using(db).filter(status="withdrawn")
    for consent in withdrawn.select_related("contact").iterator():
        contact = consent.contact
        if contact.preferred_channel != consent.channel:
            continue
        refused = set(withdrawn.filter(contact=contact).values_list("channel", flat=True))
        phones = ContactPhone.objects.using(db).filter(contact=contact)
        kinds = set(phones.values_list("kind", flat=True))
        has_mobile = bool(kinds - {"landline"})
        reachable = {
            "email": ContactEmail.objects.using(db).filter(contact=contact).exists(),
            "phone": bool(kinds),
            "whatsapp": has_mobile,
            "sms": has_mobile,
        }
        instead = next(
            (c for c in FALLBACKS if c not in refused and reachable[c]),
            None,
        )
        if instead is None:
            continue
        Contact.objects.using(db).filter(pk=contact.pk).update(preferred_channel=instead)
        TimelineEvent.objects.using(db).create(
            tenant_id=contact.tenant_id,
            kind="contact.preferred_channel",
            summary=(
                f"Preferred channel {LABELS[consent.channel]} → {LABELS[instead]}: "
                f"{LABELS[consent.channel]} consent was withdrawn"
            ),
            contact=contact,
            detail={"from": consent.channel, "to": instead},
        )


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0009_erasure_request"),
    ]

    operations = [migrations.RunPython(move_off_withdrawn, migrations.RunPython.noop)]
