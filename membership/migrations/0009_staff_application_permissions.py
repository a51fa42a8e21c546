"""事務局 may look at and decide (承認 / 差戻し) members' applications; 編集者 sees none of them.

"change" means deciding: there is no edit form, and applications are never deleted here.
"""

import importlib

from django.db import migrations

money_permissions = importlib.import_module("membership.migrations.0004_staff_money_permissions")


class Migration(migrations.Migration):
    dependencies = [("membership", "0008_membership_application")]

    operations = [
        money_permissions.staff_permissions_operation({("membershipapplication", "各種申請"): ["change", "view"]})
    ]
