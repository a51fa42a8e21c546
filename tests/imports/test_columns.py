"""Sheets whose headings differ from the template (issue 12, item 2): columns an import does not
use are read past and listed on the preview, an optional column may be left out, and staff map
their own headings to columns once (「列の対応付け」), for every later file of the kind."""

import csv
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from wagtail.models import ModelLogEntry

from imports import services
from imports.models import ColumnMapping, ImportJob
from membership.models import Member
from renewal.models import Credit
from tests.factories import MemberFactory
from tests.imports.data import HEADERS, csv_bytes, member_row
from tests.renewal.seminar_data import make_seminar, register

pytestmark = pytest.mark.django_db

REGISTRATIONS = "wagtailsnippets_renewal_registration"


def sheet(headers, rows, encoding="utf-8-sig"):
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def counts(job):
    return {key: value for key, value in job.result["counts"].items() if value}


@pytest.fixture
def world(db):
    session = make_seminar().sessions.get()  # held on 2025/05/10
    sato = MemberFactory(user__username="0050001", family_name="佐藤", given_name="健一", family_name_kana="サトウ")
    suzuki = MemberFactory(user__username="0050002", family_name="鈴木", given_name="美咲", family_name_kana="スズキ")
    return {"session": session, "sato": sato, "suzuki": suzuki}


def upload(client, data, name="attendance.csv", kind="attendance"):
    response = client.post(reverse("imports:upload"), {"kind": kind, "file": SimpleUploadedFile(name, data)})
    assert response.status_code == 302, response.content.decode()[:2000]
    return ImportJob.objects.order_by("-pk").first()


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_registration_export_imports_as_it_is(admin_client, world, fmt):
    """The upload page says the 参加申込 export can be used as it is: now it can."""
    session = world["session"]
    register(world["sato"], session)
    register(world["suzuki"], session)
    response = admin_client.get(reverse(f"{REGISTRATIONS}:list") + f"?export={fmt}")
    exported = b"".join(response.streaming_content)

    job = upload(admin_client, exported, name=f"参加申込.{fmt}")

    assert job.state == ImportJob.State.PREVIEWED, job.message
    assert counts(job) == {"new": 2}
    read = job.result["columns_read"]
    assert read["ignored"] == [
        "学会・セミナー名",
        "セッション名",
        "点数",
        "状態",
        "申込日時",
        "参加確認日時",
        "受講票番号",
    ]
    assert job.result["warning_count"] == 0  # 氏名(姓)/(名) are read and match the members
    page = admin_client.get(reverse("imports:job", args=[job.pk])).content.decode()
    assert "取込に使わない列(読み飛ばしました): 学会・セミナー名、セッション名、点数、状態" in page
    admin_client.post(reverse("imports:confirm", args=[job.pk]))
    assert set(Credit.objects.values_list("member__member_number", flat=True)) == {"0050001", "0050002"}


def test_a_reception_sheet_with_its_own_columns(preview, world, superuser):
    data = sheet(
        ["No", "氏名", "所属", "会員番号", "セッションID"],
        [
            [1, "佐藤 健一", "中央病院", "0050001", world["session"].pk],
            [2, "鈴木美咲", "", "0050002", world["session"].pk],
        ],
        encoding="cp932",
    )
    job = preview(data, name="受付.csv", kind="attendance")

    assert counts(job) == {"new": 2}, job.result["errors"]
    read = job.result["columns_read"]
    assert (read["ignored"], read["absent"]) == (["No", "所属"], ["参加形態"])
    assert services.start_apply(job=job, user=superuser).state == ImportJob.State.APPLIED


def test_a_missing_required_column_is_mapped_once_and_read_so_from_then_on(admin_client, world, superuser):
    session = world["session"]
    headers = ["No", "会員No", "氏名", "セッションID"]
    job = upload(admin_client, sheet(headers, [[1, "0050001", "佐藤健一", session.pk]]))
    assert job.state == ImportJob.State.FAILED
    assert "不足している列: 会員番号。" in job.message
    page = admin_client.get(reverse("imports:job", args=[job.pk])).content.decode()
    assert 'id="column-mapping-link"' in page and "{#" not in page

    url = reverse("imports:columns", args=[job.pk])
    response = admin_client.get(url)
    assert "{#" not in response.content.decode()
    form = response.context["form"]
    assert [field.label for field in form] == ["No", "会員No"]  # 氏名 is read (checked against the member)
    response = admin_client.post(url, {"heading_0": "", "heading_1": "会員番号"})

    again = ImportJob.objects.order_by("-pk").first()
    assert response.url == reverse("imports:job", args=[again.pk]) and again.pk != job.pk
    assert again.state == ImportJob.State.PREVIEWED and counts(again) == {"new": 1}
    assert again.result["columns_read"]["mapped"] == [["会員No", "会員番号"]]
    assert ImportJob.objects.get(pk=job.pk).state == ImportJob.State.FAILED  # the old job is kept as it was
    mapping = ColumnMapping.objects.get()
    assert (mapping.kind, mapping.heading, mapping.column, mapping.updated_by) == (
        "attendance", "会員No", "会員番号", superuser,
    )  # fmt: skip
    entry = ModelLogEntry.objects.get(action="imports.column_mapping.saved")
    assert entry.user == superuser and entry.data["heading"] == "会員No"

    # The next sheet of the desk is read with the mapping right away, and the page says so.
    later = upload(admin_client, sheet(headers, [[1, "0050002", "鈴木美咲", session.pk]]))
    assert later.state == ImportJob.State.PREVIEWED and counts(later) == {"new": 1}
    assert (
        "列の対応付けで読んだ見出し: 会員No → 会員番号"
        in admin_client.get(reverse("imports:job", args=[later.pk])).content.decode()
    )

    # A file that has the template's own heading uses it; its 会員No is then read past.
    both = upload(admin_client, sheet(["会員番号", "会員No", "セッションID"], [["0050001", "9999999", session.pk]]))
    assert counts(both) == {"new": 1} and both.result["columns_read"]["ignored"] == ["会員No"]

    # 使わない forgets the mapping (with a history entry).
    admin_client.post(reverse("imports:columns", args=[both.pk]), {"heading_0": ""})
    assert not ColumnMapping.objects.exists()
    assert ModelLogEntry.objects.filter(action="imports.column_mapping.deleted", user=superuser).count() == 1


def test_two_headings_for_one_column_are_refused(admin_client, world):
    job = upload(admin_client, sheet(["会員No", "番号", "セッションID"], [["0050001", "0050001", world["session"].pk]]))
    response = admin_client.post(
        reverse("imports:columns", args=[job.pk]), {"heading_0": "会員番号", "heading_1": "会員番号"}
    )
    assert "「会員番号」に2つ以上の見出しを割り当てています。1つにしてください。" in response.content.decode()
    assert not ColumnMapping.objects.exists() and ImportJob.objects.count() == 1


def test_a_member_list_without_some_columns_keeps_their_values(import_file):
    import_file(csv_bytes([member_row(0)]))
    before = Member.objects.values("phone", "mobile", "workplace_name").get()
    headers = [header for header in HEADERS if header not in ("電話番号", "携帯番号", "勤務先名")]
    rows = [member_row(0, 自宅住所2="201号室"), member_row(1)]

    job = import_file(csv_bytes(rows, headers=headers))

    assert job.result["columns_read"]["absent"] == ["勤務先名", "電話番号", "携帯番号"]
    assert job.result["counts"]["updated"] == 1 and job.result["counts"]["new"] == 1
    kept = Member.objects.get(member_number="0000001")
    assert {key: getattr(kept, key) for key in before} == before and kept.home_address2 == "201号室"
    new = Member.objects.get(member_number="0000002")
    assert (new.phone, new.mobile, new.workplace_name) == ("", "", "")


def test_a_title_above_the_headings_is_read_past(preview, world):
    workbook = openpyxl.Workbook()
    sheet_ = workbook.active
    sheet_.append(["第91回日本消化器内視鏡技師学会 受付名簿"])
    sheet_.append([])
    sheet_.append(["会員番号", "セッションID", "参加形態"])
    sheet_.append(["0050001", world["session"].pk, "会場"])
    sheet_.append(["0059999", world["session"].pk, "会場"])
    buffer = io.BytesIO()
    workbook.save(buffer)

    job = preview(buffer.getvalue(), name="受付名簿.xlsx", kind="attendance")

    assert job.result["columns_read"]["header_row"] == 3
    assert counts(job) == {"new": 1, "error": 1}
    assert job.result["errors"][0]["row"] == 5  # row numbers stay the sheet's
