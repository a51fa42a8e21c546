"""事務局 may handle money in the admin (DESIGN.md 4, 9); 編集者 sees none of it.

- invoices (請求) and dues rules (会費設定): add, change, view. Invoices are never deleted;
  "change" means the actions 入金を記録 / 免除 / 取消 (there is no edit form).
- payment attempts (決済): view.
- gateway notifications (決済通知): view, and change, which means marking a flagged
  notification 確認済 (there is no edit form either).

Permissions are normally created after all migrations (post_migrate), so the ones needed here
are created on the spot, with the names Django would give them.
"""

from django.db import migrations

STAFF_GROUP = "事務局"

STAFF_PERMISSIONS = {
    ("invoice", "請求"): ["add", "change", "view"],
    ("duesrule", "会費設定"): ["add", "change", "view"],
    ("payment", "決済"): ["view"],
    ("gatewaynotification", "決済通知"): ["change", "view"],
}


def _permissions(apps, staff_permissions, app_label):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    permissions = []
    for (model, verbose_name), actions in staff_permissions.items():
        content_type, _ = ContentType.objects.get_or_create(app_label=app_label, model=model)
        for action in actions:
            permission, _ = Permission.objects.get_or_create(
                content_type=content_type,
                codename=f"{action}_{model}",
                defaults={"name": f"Can {action} {verbose_name}"},
            )
            permissions.append(permission)
    return permissions


def staff_permissions_operation(staff_permissions, app_label="membership"):
    """A RunPython that grants 事務局 ``staff_permissions`` ({(model, verbose name): [actions]})
    of ``app_label``, and takes them back when reversed. Later migrations reuse it."""

    def grant(apps, schema_editor):
        Group = apps.get_model("auth", "Group")
        staff, _ = Group.objects.get_or_create(name=STAFF_GROUP)
        staff.permissions.add(*_permissions(apps, staff_permissions, app_label))

    def revoke(apps, schema_editor):
        Group = apps.get_model("auth", "Group")
        staff = Group.objects.filter(name=STAFF_GROUP).first()
        if staff is not None:
            staff.permissions.remove(*_permissions(apps, staff_permissions, app_label))

    return migrations.RunPython(grant, revoke)


class Migration(migrations.Migration):
    dependencies = [
        ("membership", "0003_billing"),
        ("membership", "0002_staff_groups"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [staff_permissions_operation(STAFF_PERMISSIONS)]
