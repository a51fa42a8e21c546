# 会員限定 becomes a field of the notice (NoticePage.save applies it as the view restriction).
# Notices made members-only before, through Wagtail's privacy dialog, keep it: the field is set on
# the page row and in every stored revision (a revision without the field would otherwise be read
# as 会員限定 off, and publishing it would remove the restriction).

from django.db import migrations, models

LOGIN = "login"


def keep_members_only_notices(apps, schema_editor):
    NoticePage = apps.get_model("cms_pages", "NoticePage")
    PageViewRestriction = apps.get_model("wagtailcore", "PageViewRestriction")
    Revision = apps.get_model("wagtailcore", "Revision")
    ContentType = apps.get_model("contenttypes", "ContentType")
    page_ids = list(
        PageViewRestriction.objects.filter(
            restriction_type=LOGIN, page_id__in=NoticePage.objects.values("pk")
        ).values_list("page_id", flat=True)
    )
    if not page_ids:
        return
    NoticePage.objects.filter(pk__in=page_ids).update(members_only=True)
    notice_type = ContentType.objects.filter(app_label="cms_pages", model="noticepage").first()
    if notice_type is None:
        return
    revisions = Revision.objects.filter(content_type=notice_type, object_id__in=[str(pk) for pk in page_ids])
    for revision in revisions.iterator():
        revision.content = {**revision.content, "members_only": True}
        revision.save(update_fields=["content"])


class Migration(migrations.Migration):
    dependencies = [
        ("cms_pages", "0005_japanese_names_of_wagtails_initial_rows"),
        ("wagtailcore", "0098_apitoken"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.AddField(
            model_name="noticepage",
            name="members_only",
            field=models.BooleanField(
                default=False,
                help_text="チェックすると、ログインした会員だけが読めます(公開した瞬間から会員限定です)。"
                "一般公開のお知らせ一覧・トップページには表示されません。",
                verbose_name="会員限定",
            ),
        ),
        migrations.RunPython(keep_members_only_notices, migrations.RunPython.noop),
    ]
