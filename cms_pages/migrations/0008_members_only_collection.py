"""A collection 会員限定 for the documents and images that only members may open: its
"logged-in users" view restriction makes Wagtail's document view send visitors to the login
page, and cms_pages/wagtail_hooks.py refuses guests (logged in, not members). Without it every
uploaded document was public, including one linked from a 会員限定 notice."""

from django.db import migrations

NAME = "会員限定"
LOGIN = "login"
STEPLEN = 4  # treebeard's materialised path of Wagtail's collections


def create(apps, schema_editor):
    Collection = apps.get_model("wagtailcore", "Collection")
    CollectionViewRestriction = apps.get_model("wagtailcore", "CollectionViewRestriction")
    root = Collection.objects.filter(depth=1).order_by("path").first()
    if root is None:
        return
    children = Collection.objects.filter(depth=2, path__startswith=root.path)
    collection = children.filter(name=NAME).first()
    if collection is None:
        last = children.order_by("-path").values_list("path", flat=True).first()
        step = int(last[-STEPLEN:], 36) + 1 if last else 1
        digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
        suffix = ""
        for _ in range(STEPLEN):
            step, digit = divmod(step, 36)
            suffix = digits[digit] + suffix
        collection = Collection.objects.create(name=NAME, path=root.path + suffix, depth=2, numchild=0)
        root.numchild = Collection.objects.filter(depth=2, path__startswith=root.path).count()
        root.save(update_fields=["numchild"])
    if not CollectionViewRestriction.objects.filter(collection=collection).exists():
        CollectionViewRestriction.objects.create(collection=collection, restriction_type=LOGIN, password="")


class Migration(migrations.Migration):
    dependencies = [
        ("cms_pages", "0007_invoice_settings"),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
