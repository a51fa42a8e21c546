"""事務局 may import spreadsheets (member list, bank-transfer statements, ...): the
``imports.run_import`` permission (ImportJob's Meta) goes to the 事務局 group. 編集者 does not get it.

Permissions are normally created after all migrations (post_migrate), so the one needed here
is created on the spot, with the name Django would give it.
"""

from django.db import migrations

STAFF_GROUP = "事務局"


def _permission(apps):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    content_type, _ = ContentType.objects.get_or_create(app_label="imports", model="importjob")
    permission, _ = Permission.objects.get_or_create(
        content_type=content_type, codename="run_import", defaults={"name": "スプレッドシートを取り込む"}
    )
    return permission


def grant(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    staff, _ = Group.objects.get_or_create(name=STAFF_GROUP)
    staff.permissions.add(_permission(apps))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    staff = Group.objects.filter(name=STAFF_GROUP).first()
    if staff is not None:
        staff.permissions.remove(_permission(apps))


class Migration(migrations.Migration):
    dependencies = [
        ("imports", "0001_initial"),
        ("membership", "0002_staff_groups"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
