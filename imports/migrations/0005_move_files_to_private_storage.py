"""Move the files of existing jobs from the default storage (MEDIA_ROOT) to the private one.

Before 0004 the uploads were stored under MEDIA_ROOT, which is served at /media/. The stored
names stay the same; only the storage changes. Files already gone are skipped, so running it
again (or on a database without jobs) does nothing. Reversing moves them back.
"""

from django.core.files.storage import storages
from django.db import migrations


def _move(apps, source_alias, target_alias):
    ImportJob = apps.get_model("imports", "ImportJob")
    source, target = storages[source_alias], storages[target_alias]
    names = ImportJob.objects.exclude(file="").values_list("file", flat=True).distinct()
    for name in names.iterator():
        if not source.exists(name):
            continue
        if not target.exists(name):
            with source.open(name, "rb") as handle:
                saved = target.save(name, handle)
            if saved != name:
                ImportJob.objects.filter(file=name).update(file=saved)
        source.delete(name)


def to_private(apps, schema_editor):
    _move(apps, "default", "imports")


def to_default(apps, schema_editor):
    _move(apps, "imports", "default")


class Migration(migrations.Migration):
    dependencies = [
        ("imports", "0004_private_storage"),
    ]

    operations = [
        migrations.RunPython(to_private, to_default, elidable=True),
    ]
