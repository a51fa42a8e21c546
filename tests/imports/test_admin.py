"""The 取込 screens in the Wagtail admin: upload → preview → confirm, the job list, templates,
progress, and who may open them."""

import csv
import io

import openpyxl
import pytest
from django.contrib.auth.models import Group, Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from imports.models import ColumnMapping, ImportJob
from membership.models import Member
from tests.factories import MemberFactory, StaffUserFactory, UserFactory
from tests.imports.data import HEADERS, csv_bytes, member_row, member_rows
from tests.two_factor import log_in_staff

pytestmark = pytest.mark.django_db


def staff_with(*permissions):
    group = Group.objects.create(name="事務局" + "+".join(permissions))
    for label in permissions:
        app_label, codename = label.split(".")
        group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    user = StaffUserFactory(email=f"{group.pk}@staff.example.jp")
    user.groups.add(group)
    return user


def upload(client, data, name="members.csv", kind="members"):
    return client.post(reverse("imports:upload"), {"kind": kind, "file": SimpleUploadedFile(name, data)})


def all_urls(job):
    return [
        reverse("imports:index"),
        reverse("imports:upload"),
        reverse("imports:template", args=["members", "csv"]),
        reverse("imports:job", args=[job.pk]),
        reverse("imports:status", args=[job.pk]),
        reverse("imports:errors", args=[job.pk]),
        reverse("imports:columns", args=[job.pk]),
    ]


def test_upload_preview_confirm_end_to_end(admin_client):
    page = admin_client.get(reverse("imports:upload"))
    assert page.status_code == 200
    body = page.content.decode()
    for header in HEADERS:
        assert header in body
    assert reverse("imports:template", args=["members", "csv"]) in body
    assert "先頭の0" in body

    response = upload(admin_client, csv_bytes(member_rows(3)))
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("imports:job", args=[job.pk])
    assert job.state == ImportJob.State.PREVIEWED

    preview = admin_client.get(response.url)
    body = preview.content.decode()
    assert '<td id="count-new">3</td>' in body
    assert '<td id="count-error">0</td>' in body
    assert "0000001" in body and "取り込む" in body
    assert Member.objects.count() == 0  # a preview writes nothing

    confirmed = admin_client.post(reverse("imports:confirm", args=[job.pk]), follow=True)
    assert "取り込みました(新規 3件、更新 0件)。" in confirmed.content.decode()
    assert set(Member.objects.values_list("member_number", flat=True)) == {"0000001", "0000002", "0000003"}
    job.refresh_from_db()
    assert job.state == ImportJob.State.APPLIED

    listing = admin_client.get(reverse("imports:index")).content.decode()
    assert "members.csv" in listing and "取込済" in listing and "admin" in listing
    assert f'href="{reverse("imports:job", args=[job.pk])}"' in listing


def test_preview_page_lists_each_error_with_row_column_and_reason(admin_client):
    rows = member_rows(4)
    rows[2]["自宅都道府県"] = "東京"
    upload(admin_client, csv_bytes(rows))
    job = ImportJob.objects.get()
    body = admin_client.get(reverse("imports:job", args=[job.pk])).content.decode()
    assert "エラーがあるため取り込めません" in body
    assert "<td>4行目</td><td>自宅都道府県</td><td>都道府県は47都道府県の名前" in body
    assert reverse("imports:confirm", args=[job.pk]) not in body

    errors = admin_client.get(reverse("imports:errors", args=[job.pk]))
    text = errors.content.decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(text))) == [
        ["行", "列", "内容"],
        ["4", "自宅都道府県", "都道府県は47都道府県の名前(例: 東京都、大阪府、北海道)で入力してください。"],
    ]
    response = admin_client.post(reverse("imports:confirm", args=[job.pk]), follow=True)
    assert "エラーがあるため取り込めません" in response.content.decode()
    assert Member.objects.count() == 0


def test_wrong_headers_show_one_message(admin_client):
    upload(admin_client, csv_bytes(member_rows(20), headers=[h for h in HEADERS if h != "会員番号"]))
    job = ImportJob.objects.get()
    body = admin_client.get(reverse("imports:job", args=[job.pk])).content.decode()
    assert body.count("不足している列: 会員番号。") == 1
    assert 'class="import-error"' not in body


def test_same_file_again_says_it_was_applied(admin_client):
    data = csv_bytes(member_rows(2))
    upload(admin_client, data)
    first = ImportJob.objects.get()
    admin_client.post(reverse("imports:confirm", args=[first.pk]))
    upload(admin_client, data)
    second = ImportJob.objects.exclude(pk=first.pk).get()
    body = admin_client.get(reverse("imports:job", args=[second.pk])).content.decode()
    assert f"取込 #{first.pk}" in body and "取り込み済みです" in body
    assert '<td id="count-unchanged">2</td>' in body


def test_updated_rows_show_what_changes(admin_client):
    MemberFactory(user=UserFactory(username="0000001", email="old@example.jp"), family_name="旧姓")
    upload(admin_client, csv_bytes([member_row(0)]))
    job = ImportJob.objects.get()
    body = admin_client.get(reverse("imports:job", args=[job.pk])).content.decode()
    assert "氏名(姓): 旧姓 → 山田" in body
    assert "メールアドレス: old@example.jp → member1@example.jp" in body


def test_cancel_from_the_preview(admin_client):
    upload(admin_client, csv_bytes(member_rows(2)))
    job = ImportJob.objects.get()
    response = admin_client.post(reverse("imports:cancel", args=[job.pk]), follow=True)
    assert "取り消しました" in response.content.decode()
    job.refresh_from_db()
    assert job.state == ImportJob.State.CANCELLED
    assert Member.objects.count() == 0


def test_a_large_file_shows_progress_and_can_be_left(admin_client, settings, django_capture_on_commit_callbacks):
    settings.IMPORTS_BACKGROUND_ROWS = 5
    with django_capture_on_commit_callbacks(execute=False) as queued:
        upload(admin_client, csv_bytes(member_rows(12)))
    job = ImportJob.objects.get()
    page = admin_client.get(reverse("imports:job", args=[job.pk])).content.decode()
    assert "ファイルの内容を確認しています" in page and "この画面を離れても処理は続きます" in page
    assert reverse("imports:status", args=[job.pk]) in page
    status = admin_client.get(reverse("imports:status", args=[job.pk])).json()
    assert {key: status[key] for key in ("state", "state_label", "running", "processed_rows", "total_rows")} == {
        "state": "previewing",
        "state_label": "確認中",
        "running": True,
        "processed_rows": 0,
        "total_rows": 12,
    }
    assert status["phase_text"] == "処理の開始を待っています。"  # queued: no worker has taken it yet
    listing = admin_client.get(reverse("imports:index")).content.decode()
    assert "確認中" in listing

    with django_capture_on_commit_callbacks(execute=True):
        queued[0]()
    assert admin_client.get(reverse("imports:status", args=[job.pk])).json()["state"] == "previewed"


def test_templates_have_the_header_row_and_an_example(admin_client):
    response = admin_client.get(reverse("imports:template", args=["members", "csv"]))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")
    header, example = response.content.decode("utf-8-sig").splitlines()
    assert header == ",".join(HEADERS)
    assert example.startswith("【記入例】0012345,山田,花子,")

    response = admin_client.get(reverse("imports:template", args=["members", "xlsx"]))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert [cell.value for cell in sheet[1]] == HEADERS
    assert sheet["A2"].value == "【記入例】0012345"
    assert sheet["A3"].number_format == "@"  # 会員番号 is text: leading zeros stay

    assert admin_client.get(reverse("imports:template", args=["nothing", "csv"])).status_code == 404


def test_the_menu_has_imports_for_those_allowed(admin_client, client):
    assert reverse("imports:index") in admin_client.get(reverse("wagtailadmin_home")).content.decode()
    log_in_staff(client, staff_with("wagtailadmin.access_admin"))
    assert reverse("imports:index") not in client.get(reverse("wagtailadmin_home")).content.decode()


def test_anonymous_visitors_are_sent_to_the_admin_login(client, superuser):
    job = ImportJob.objects.create(kind="members", file_name="x.csv", file_sha256="0" * 64, created_by=superuser)
    for url in all_urls(job):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("wagtailadmin_login")), url
    response = client.post(reverse("imports:confirm", args=[job.pk]))
    assert response.status_code == 302


def test_members_cannot_open_the_import_pages(client, superuser):
    job = ImportJob.objects.create(kind="members", file_name="x.csv", file_sha256="0" * 64, created_by=superuser)
    client.force_login(MemberFactory().user)
    for url in all_urls(job):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("wagtailadmin_login")), url


def test_staff_without_the_import_permission_cannot_open_or_confirm(client, superuser):
    upload_client = client
    log_in_staff(upload_client, superuser)
    upload(upload_client, csv_bytes(member_rows(2)))
    job = ImportJob.objects.get()
    log_in_staff(client, staff_with("wagtailadmin.access_admin"))
    for url in all_urls(job):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url == reverse("wagtailadmin_home"), url
    client.post(reverse("imports:confirm", args=[job.pk]))
    client.post(reverse("imports:cancel", args=[job.pk]))
    client.post(reverse("imports:columns", args=[job.pk]), {"heading_0": "会員番号"})
    job.refresh_from_db()
    assert job.state == ImportJob.State.PREVIEWED
    assert Member.objects.count() == 0
    assert ImportJob.objects.count() == 1 and not ColumnMapping.objects.exists()


def test_staff_with_the_import_permission_can_import(client):
    log_in_staff(client, staff_with("wagtailadmin.access_admin", "imports.run_import"))
    assert client.get(reverse("imports:index")).status_code == 200
    upload(client, csv_bytes(member_rows(2)))
    job = ImportJob.objects.get()
    client.post(reverse("imports:confirm", args=[job.pk]))
    job.refresh_from_db()
    assert job.state == ImportJob.State.APPLIED
    assert Member.objects.count() == 2


def test_import_permission_is_offered_in_the_group_editor(admin_client):
    group = Group.objects.create(name="取込担当")
    body = admin_client.get(reverse("wagtailusers_groups:edit", args=[group.pk])).content.decode()
    assert "スプレッドシートを取り込む" in body


def test_upload_form_errors(admin_client):
    response = admin_client.post(reverse("imports:upload"), {"kind": "members"})
    assert "ファイルを選んでください。" in response.content.decode()
    response = upload(admin_client, b"%PDF-1.4", name="members.pdf")
    assert "CSV(.csv)か Excel ブック(.xlsx)を選んでください。" in response.content.decode()
    assert ImportJob.objects.count() == 0
