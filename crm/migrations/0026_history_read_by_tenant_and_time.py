"""The audit trail reads a tenant's history newest first, and each change's previous version,
by index (built without blocking writes)."""

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("crm", "0025_history_leaves_out_bookkeeping"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="brandevent",
            index=models.Index(
                fields=["tenant", "pgh_obj", "-pgh_id"], name="crm_brandev_tenant__4227e9_idx"
            ),
        ),
        AddIndexConcurrently(
            model_name="brandevent",
            index=models.Index(
                fields=["tenant", "-pgh_created_at", "-pgh_id"],
                name="crm_brandev_tenant__d16cba_idx",
            ),
        ),
        AddIndexConcurrently(
            model_name="closeddayevent",
            index=models.Index(
                fields=["tenant", "pgh_obj", "-pgh_id"], name="crm_closedd_tenant__098c64_idx"
            ),
        ),
        AddIndexConcurrently(
            model_name="closeddayevent",
            index=models.Index(
                fields=["tenant", "-pgh_created_at", "-pgh_id"],
                name="crm_closedd_tenant__71983e_idx",
            ),
        ),
        AddIndexConcurrently(
            model_name="contactconsentevent",
            index=models.Index(
                fields=["tenant", "pgh_obj", "-pgh_id"], name="crm_contact_tenant__2c5dd6_idx"
            ),
        ),
        AddIndexConcurrently(
            model_name="contactconsentevent",
            index=models.Index(
                fields=["tenant", "-pgh_created_at", "-pgh_id"],
                name="crm_contact_tenant__d71f26_idx",
            ),
        ),
        AddIndexConcurrently(
            model_name="contactemailevent",
            index=models.Index(
                fields=["tenant", "pgh_obj", "-pgh_id"], name="crm_contact_tenant__c47ebd_idx"
            ),
        ),
        AddIndexConcurrently(
            model_name="contactemailevent",
            index=models.Index(
                fields=["tenant", "-pgh_created_at", "-pgh_id"],
                name="crm_contact_tenant__e1a340_idx",
            ),
        ),
        AddIndexConcurrently(
            model_name="contactevent",
            index=models.Index(
                fields=["tenant", "pgh_obj", "-pgh_id"], name="crm_contact_tenant__3f52c8_idx"
            ),
        ),
        AddIndexConcurrently(
            model_name="contactevent",
            index=models.Index(
                fields=["tenant", "-pgh_created_at", "-pgh_id"],
                name="crm_contact_tenant__51e5ea_idx",
            ),
        ),
        AddIndexConcurrently(
            model_name="contactphoneevent",
            index=models.Index(
                fields=["tenant", "pgh_obj", "-pgh_id"], name="crm_contact_tenant__f9a003_idx"
            ),
        ),
        AddIndexConcurrently(
            model_name="contactphoneevent",
            index=models.Index(
                fields=["tenant", "-pgh_created_at", "-pgh_id"],
                name="crm_contact_tenant__b9571a_idx",
            ),
        ),
        AddIndexConcurrently(
            model_name="membershipevent",
            index=models.Index(
                fields=["tenant", "pgh_obj", "-pgh_id"], name="crm_members_tenant__31823b_idx"
            ),
        ),
        AddIndexConcurrently(
            model_name="membershipevent",
            index=models.Index(
                fields=["tenant", "-pgh_created_at", "-pgh_id"],
                name="crm_members_tenant__b75a99_idx",
            ),
        ),
        AddIndexConcurrently(
            model_name="propertycontactevent",
            index=models.Index(
                fields=["tenant", "pgh_obj", "-pgh_id"], name="crm_propert_tenant__b4288d_idx"
            ),
        ),
        AddIndexConcurrently(
            model_name="propertycontactevent",
            index=models.Index(
                fields=["tenant", "-pgh_created_at", "-pgh_id"],
                name="crm_propert_tenant__a09814_idx",
            ),
        ),
        AddIndexConcurrently(
            model_name="propertyevent",
            index=models.Index(
                fields=["tenant", "pgh_obj", "-pgh_id"], name="crm_propert_tenant__9d745f_idx"
            ),
        ),
        AddIndexConcurrently(
            model_name="propertyevent",
            index=models.Index(
                fields=["tenant", "-pgh_created_at", "-pgh_id"],
                name="crm_propert_tenant__13b8e6_idx",
            ),
        ),
        AddIndexConcurrently(
            model_name="tenantevent",
            index=models.Index(
                fields=["pgh_obj", "-pgh_id"], name="crm_tenante_pgh_obj_5b9d38_idx"
            ),
        ),
        AddIndexConcurrently(
            model_name="tenantevent",
            index=models.Index(
                fields=["-pgh_created_at", "-pgh_id"], name="crm_tenante_pgh_cre_a36241_idx"
            ),
        ),
        AddIndexConcurrently(
            model_name="timeoffevent",
            index=models.Index(
                fields=["tenant", "pgh_obj", "-pgh_id"], name="crm_timeoff_tenant__18f1c8_idx"
            ),
        ),
        AddIndexConcurrently(
            model_name="timeoffevent",
            index=models.Index(
                fields=["tenant", "-pgh_created_at", "-pgh_id"],
                name="crm_timeoff_tenant__c5f411_idx",
            ),
        ),
    ]
