"""事務局 may read and delete the inquiries (form submissions); 編集者 may not (DESIGN.md 9).

Inquiries carry personal data. Reading them needs ``wagtailforms.view_formsubmission`` (see
cms_pages/wagtail_hooks.py); deleting them, once handled, goes with it in Wagtail's views.
The group itself comes from migration membership 0002; it is looked up by name here (and
created if this runs first), as cms_pages depends on no other app of ours.

Permissions are normally created after all migrations (post_migrate), so the ones needed here
are created on the spot, with the names Django would give them.
"""

from django.db import migrations

STAFF_GROUP = "事務局"
ACTIONS = ["view", "delete"]


def _permissions(apps):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    content_type, _ = ContentType.objects.get_or_create(app_label="wagtailforms", model="formsubmission")
    return [
        Permission.objects.get_or_create(
            content_type=content_type,
            codename=f"{action}_formsubmission",
            defaults={"name": f"Can {action} form submission"},
        )[0]
        for action in ACTIONS
    ]


def grant(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    staff, _ = Group.objects.get_or_create(name=STAFF_GROUP)
    staff.permissions.add(*_permissions(apps))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    staff = Group.objects.filter(name=STAFF_GROUP).first()
    if staff is not None:
        staff.permissions.remove(*_permissions(apps))


class Migration(migrations.Migration):
    dependencies = [
        ("cms_pages", "0002_inquirypage_inquiryformfield"),
        ("wagtailforms", "0005_alter_formsubmission_form_data"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
