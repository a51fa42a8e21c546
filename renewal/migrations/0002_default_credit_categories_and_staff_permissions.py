"""The guide's credit categories and caps (guide 9) as starting data, and 事務局's permissions.

Categories: 技師学会・研究会 (cap 20), 機器講習会 (cap 10), 医学・その他セミナー (cap 20); lecture
kinds 医学講義 and その他講義 count as 医学・その他セミナー. Staff may change all of it.
事務局 manages seminars, sessions, categories, lecture kinds, registrations and credits; 編集者
gets nothing here.
"""

import importlib

from django.db import migrations

staff_permissions = importlib.import_module("membership.migrations.0004_staff_money_permissions")

CATEGORIES = [("技師学会・研究会", 20, 10), ("機器講習会", 10, 20), ("医学・その他セミナー", 20, 30)]
LECTURE_KINDS = [("医学講義", "医学・その他セミナー"), ("その他講義", "医学・その他セミナー")]

STAFF_PERMISSIONS = {
    ("seminar", "学会・セミナー"): ["add", "change", "view", "delete"],
    ("session", "セッション"): ["add", "change", "view", "delete"],
    ("creditcategory", "更新条件集計種別"): ["add", "change", "view"],
    ("lecturekind", "講義区分"): ["add", "change", "view"],
    ("registration", "参加申込"): ["add", "change", "view"],
    ("credit", "受講履歴"): ["add", "change", "view", "delete"],
    ("renewalsettings", "資格更新の条件"): ["change", "view"],
}


def create_categories(apps, schema_editor):
    CreditCategory = apps.get_model("renewal", "CreditCategory")
    LectureKind = apps.get_model("renewal", "LectureKind")
    for name, cap, sort_order in CATEGORIES:
        CreditCategory.objects.get_or_create(name=name, defaults={"cap": cap, "sort_order": sort_order})
    for name, category in LECTURE_KINDS:
        LectureKind.objects.get_or_create(name=name, defaults={"credit_category": CreditCategory.objects.get(name=category)})


class Migration(migrations.Migration):
    dependencies = [
        ("renewal", "0001_seminars_and_credits"),
        ("membership", "0009_staff_application_permissions"),
    ]

    operations = [
        migrations.RunPython(create_categories, migrations.RunPython.noop),
        staff_permissions.staff_permissions_operation(STAFF_PERMISSIONS, app_label="renewal"),
    ]
