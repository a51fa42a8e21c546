"""Japanese names for the rows Wagtail's own migrations create in English: the root of the page
tree and of the collections ("Root", shown in the explorer and the document and image
filters) and the default moderation workflow and its task ("Moderators approval", on the
editors' 「… に提出する」 button). Only rows still carrying Wagtail's name are renamed."""

from django.db import migrations

RENAMES = [
    # (app label, model, fields, filter, Wagtail's name, ours)
    ("wagtailcore", "Page", ("title", "draft_title"), {"depth": 1}, "Root", "ルート"),
    ("wagtailcore", "Collection", ("name",), {"depth": 1}, "Root", "ルート"),
    ("wagtailcore", "Workflow", ("name",), {}, "Moderators approval", "公開前の承認"),
    ("wagtailcore", "Task", ("name",), {}, "Moderators approval", "公開前の承認"),
]


def _rename(apps, forward):
    for app_label, model_name, fields, extra, wagtails, ours in RENAMES:
        old, new = (wagtails, ours) if forward else (ours, wagtails)
        model = apps.get_model(app_label, model_name)
        for field in fields:
            model.objects.filter(**extra, **{field: old}).update(**{field: new})


def rename(apps, schema_editor):
    _rename(apps, forward=True)


def restore(apps, schema_editor):
    _rename(apps, forward=False)


class Migration(migrations.Migration):
    dependencies = [
        ("cms_pages", "0004_inquiry_recipients_in_settings"),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [migrations.RunPython(rename, restore)]
