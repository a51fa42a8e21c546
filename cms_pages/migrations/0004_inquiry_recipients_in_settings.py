"""Where inquiries go moves from the inquiry page (editors) to the society settings (事務局).

Inquiries carry personal data; an editor could set the page's ``to_address`` and publish
(issue 11). The pages lose ``to_address`` and ``from_address``; the settings gain
``inquiry_recipients`` and ``inquiry_from_address``, which only users with
``cms_pages.change_societysettings`` edit, and the 事務局 group gets that permission.

Nothing is lost: each site's settings receive every address its inquiry pages delivered to
before (a page without a ``to_address`` went to the contact address), so every inquiry still
reaches whoever received it yesterday. When that is only the contact address, the new field
stays empty (the fallback). The first ``from_address`` of the site's pages is kept.
The secretariat should check the copied addresses after the upgrade (README).
"""

from django.db import migrations, models

import cms_pages.models.site

STAFF_GROUP = "事務局"


def merged_recipients(page_addresses, contact_email):
    """The settings' ``inquiry_recipients`` for pages whose ``to_address`` were
    ``page_addresses``: every address any of them delivered to, in order, or "" when that is
    just the contact address (or nothing)."""
    merged = []
    for to_address in page_addresses:
        addresses = [a.strip() for a in (to_address or "").split(",") if a.strip()]
        for address in addresses or ([contact_email] if contact_email else []):
            if address.lower() not in [known.lower() for known in merged]:
                merged.append(address)
    if merged == ([contact_email] if contact_email else []):
        return ""
    return ", ".join(merged)


def copy_recipients(apps, schema_editor):
    Site = apps.get_model("wagtailcore", "Site")
    InquiryPage = apps.get_model("cms_pages", "InquiryPage")
    SocietySettings = apps.get_model("cms_pages", "SocietySettings")
    for site in Site.objects.select_related("root_page"):
        # values(): the historical model keeps Wagtail's FormMixin, which cannot be instantiated here
        pages = list(
            InquiryPage.objects.filter(path__startswith=site.root_page.path)
            .order_by("path")
            .values("to_address", "from_address")
        )
        if not pages:
            continue
        settings = SocietySettings.objects.filter(site=site).first() or SocietySettings(site=site)
        recipients = merged_recipients([page["to_address"] for page in pages], settings.contact_email)
        from_address = next((page["from_address"] for page in pages if page["from_address"]), "")
        if recipients or from_address:
            settings.inquiry_recipients = recipients[:255]
            settings.inquiry_from_address = from_address
            settings.save()


def _change_settings_permission(apps):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    content_type, _ = ContentType.objects.get_or_create(app_label="cms_pages", model="societysettings")
    return Permission.objects.get_or_create(
        content_type=content_type, codename="change_societysettings", defaults={"name": "Can change 学会の設定"}
    )[0]


def grant(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    staff, _ = Group.objects.get_or_create(name=STAFF_GROUP)
    staff.permissions.add(_change_settings_permission(apps))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    staff = Group.objects.filter(name=STAFF_GROUP).first()
    if staff is not None:
        staff.permissions.remove(
            *Permission.objects.filter(content_type__app_label="cms_pages", codename="change_societysettings")
        )


class Migration(migrations.Migration):
    dependencies = [
        ("cms_pages", "0003_staff_inquiry_permissions"),
        ("wagtailcore", "0098_apitoken"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.AddField(
            model_name="societysettings",
            name="inquiry_from_address",
            field=models.EmailField(
                blank=True,
                help_text="空欄の場合はシステムの送信元アドレスです。",
                max_length=254,
                verbose_name="お問い合わせ通知の送信元",
            ),
        ),
        migrations.AddField(
            model_name="societysettings",
            name="inquiry_recipients",
            field=models.CharField(
                blank=True,
                help_text="お問い合わせフォームの内容(氏名・会員番号などの個人情報)を送るメールアドレス。"
                "複数の場合はカンマで区切ります。空欄の場合は「問い合わせ先メールアドレス」に送ります。",
                max_length=255,
                validators=[cms_pages.models.site.validate_addresses],
                verbose_name="お問い合わせの送信先",
            ),
        ),
        migrations.RunPython(copy_recipients, migrations.RunPython.noop),
        migrations.RemoveField(model_name="inquirypage", name="from_address"),
        migrations.RemoveField(model_name="inquirypage", name="to_address"),
        migrations.AlterField(
            model_name="inquirypage",
            name="subject",
            field=models.CharField(blank=True, max_length=255, verbose_name="件名"),
        ),
        migrations.RunPython(grant, revoke),
    ]
