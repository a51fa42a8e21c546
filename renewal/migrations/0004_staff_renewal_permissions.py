"""事務局 decides renewal and extension applications and declares extension programmes."""

import importlib

from django.db import migrations

staff_permissions = importlib.import_module("membership.migrations.0004_staff_money_permissions")

STAFF_PERMISSIONS = {
    ("renewalapplication", "資格更新申請"): ["change", "view"],
    ("extensionprogramme", "更新延長措置"): ["add", "change", "view"],
    ("extensionapplication", "更新延長申請"): ["change", "view"],
}


class Migration(migrations.Migration):
    dependencies = [("renewal", "0003_renewal_and_extension_applications")]

    operations = [staff_permissions.staff_permissions_operation(STAFF_PERMISSIONS, app_label="renewal")]
