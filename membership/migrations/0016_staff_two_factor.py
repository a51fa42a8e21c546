"""事務局 may reset a colleague's two-factor login (membership.two_factor): a permission on the
account model, granted to the group here (permissions are normally created after migrations)."""

from django.db import migrations

STAFF_GROUP = "事務局"
CODENAME = "reset_two_factor_user"
NAME = "Can reset two-factor login of アカウント"


def grant(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    content_type, _ = ContentType.objects.get_or_create(app_label="membership", model="user")
    permission, _ = Permission.objects.get_or_create(content_type=content_type, codename=CODENAME, defaults={"name": NAME})
    staff, _ = Group.objects.get_or_create(name=STAFF_GROUP)
    staff.permissions.add(permission)


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Permission.objects.filter(content_type__app_label="membership", codename=CODENAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("membership", "0015_member_card_key"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="user",
            options={
                "permissions": [(CODENAME, NAME)],
                "verbose_name": "アカウント",
                "verbose_name_plural": "アカウント",
            },
        ),
        migrations.RunPython(grant, revoke),
    ]
