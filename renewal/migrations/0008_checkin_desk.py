"""受付 (check-in at the desk): its settings, the ``check_in`` permission, and the staff group
受付 for part-time receptionists (admin access and check-in, nothing else). 事務局 may check in
too and edit the desk's settings.

Permissions are normally created after all migrations (post_migrate), so the ones needed here
are created on the spot, with the names Django would give them (as membership 0002 does).
"""

from django.db import migrations, models

RECEPTIONIST_GROUP = "受付"
STAFF_GROUP = "事務局"


def _permission(apps, app_label, model, codename, name):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    content_type, _ = ContentType.objects.get_or_create(app_label=app_label, model=model)
    permission, _ = Permission.objects.get_or_create(
        content_type=content_type, codename=codename, defaults={"name": name}
    )
    return permission


def _desk_permissions(apps):
    access_admin = _permission(apps, "wagtailadmin", "admin", "access_admin", "Can access Wagtail admin")
    check_in = _permission(apps, "renewal", "checkinsettings", "check_in", "受付で参加を確認する")
    change_settings = _permission(apps, "renewal", "checkinsettings", "change_checkinsettings", "Can change 受付の設定")
    return access_admin, check_in, change_settings


def create_receptionist_group(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    access_admin, check_in, change_settings = _desk_permissions(apps)
    receptionists, _ = Group.objects.get_or_create(name=RECEPTIONIST_GROUP)
    receptionists.permissions.add(access_admin, check_in)
    staff, _ = Group.objects.get_or_create(name=STAFF_GROUP)
    staff.permissions.add(check_in, change_settings)


def remove_receptionist_group(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.filter(name=RECEPTIONIST_GROUP).delete()
    staff = Group.objects.filter(name=STAFF_GROUP).first()
    if staff is not None:
        _access_admin, check_in, change_settings = _desk_permissions(apps)
        staff.permissions.remove(check_in, change_settings)


class Migration(migrations.Migration):
    dependencies = [
        ("renewal", "0007_waiting_list"),
        ("membership", "0002_staff_groups"),
        ("wagtailadmin", "0001_create_admin_access_permissions"),
    ]

    operations = [
        migrations.CreateModel(
            name="CheckinSettings",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "attend_on_scan",
                    models.BooleanField(
                        default=False,
                        help_text="オフにすると、読み取った方の氏名などを確認してから「参加済にする」を押します。",
                        verbose_name="読み取ったらすぐ参加済にする",
                    ),
                ),
                (
                    "desk_registration",
                    models.CharField(
                        choices=[
                            ("none", "受け付けない"),
                            ("free", "参加費のないセッションのみ"),
                            ("desk_fee", "有料のセッションも(参加費は窓口で受け取り、窓口入金として記録)"),
                        ],
                        default="free",
                        help_text="会員証を読み取った方に参加申込がないとき、受付でその場で申し込めるか。定員・受講者区分は申込と同じく確かめます。",
                        max_length=20,
                        verbose_name="申込のない会員の当日申込",
                    ),
                ),
            ],
            options={
                "verbose_name": "受付の設定",
                "permissions": [("check_in", "受付で参加を確認する")],
            },
        ),
        migrations.RunPython(create_receptionist_group, remove_receptionist_group),
    ]
