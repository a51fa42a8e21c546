"""Templates (テンプレート): a header row and an example row the import never takes for data,
記入方法, and for the attendance import the sessions open for import (セッション一覧)."""

import datetime
import io

import openpyxl
import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from imports.models import ImportJob
from imports.registry import registry
from imports.widgets import CellError
from membership.models import Member
from renewal.models import Credit
from tests.factories import InvoiceFactory, MemberFactory
from tests.imports.data import member_row
from tests.renewal.seminar_data import make_seminar
from tests.two_factor import log_in_staff

pytestmark = pytest.mark.django_db
KINDS = ["members", "bank_transfers", "attendance"]


def template(client, kind, fmt):
    response = client.get(reverse("imports:template", args=[kind, fmt]))
    assert response.status_code == 200
    return response.content


def workbook_of(data):
    return openpyxl.load_workbook(io.BytesIO(data))


def xlsx_bytes(workbook):
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_every_kind_is_covered():
    assert sorted(kind.key for kind in registry.all()) == sorted(KINDS)


@pytest.mark.parametrize("kind", KINDS)
def test_the_example_row_follows_the_rules_of_each_column(kind):
    """Staff copy the example's format: every example cell is one the import accepts as it stands."""
    import_kind = registry.get(kind)
    row = import_kind.example_row()
    assert row[0].startswith("【記入例】")
    row[0] = row[0].removeprefix("【記入例】")
    for field, value in zip(import_kind.fields(), row, strict=True):
        if field.required:
            assert value, field.column_name
        try:
            field.widget.clean(value)
        except CellError as error:
            pytest.fail(f"{kind} {field.column_name} {value!r}: {error.message}")


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_template_uploaded_as_downloaded_imports_nothing(admin_client, import_file, kind, fmt):
    data = template(admin_client, kind, fmt)
    job = import_file(data, name=f"template.{fmt}", kind=kind)
    assert job.state == ImportJob.State.APPLIED, job.message
    assert job.total_rows == 0 and not job.error_count
    assert "2行目は記入例(「【記入例】」で始まる行)のため取り込みません。" in job.result["notes"]
    assert not Member.objects.filter(member_number="0012345").exists()


def test_a_csv_template_filled_in_below_its_example_imports_only_the_real_rows(admin_client, import_file):
    data = template(admin_client, "members", "csv").decode("utf-8-sig")
    real = member_row(41)
    data += ",".join(real.values()) + "\r\n"
    job = import_file(data.encode("utf-8"), kind="members")
    assert job.state == ImportJob.State.APPLIED, job.message
    assert job.new_count == 1
    assert list(Member.objects.values_list("member_number", flat=True)) == [real["会員番号"]]
    page = admin_client.get(reverse("imports:job", args=[job.pk])).content.decode()
    assert "2行目は記入例" in page


def test_an_xlsx_template_filled_in_keeps_the_leading_zeros_and_skips_the_example(admin_client, import_file):
    workbook = workbook_of(template(admin_client, "members", "xlsx"))
    sheet = workbook.worksheets[0]
    for position, value in enumerate(member_row(6, 会員番号="0000007").values(), start=1):
        sheet.cell(row=3, column=position, value=value)
    job = import_file(xlsx_bytes(workbook), name="会員名簿.xlsx", kind="members")
    assert job.state == ImportJob.State.APPLIED, job.message
    assert list(Member.objects.values_list("member_number", flat=True)) == ["0000007"]
    assert sheet["A3"].number_format == "@"


def test_an_example_row_moved_by_sorting_is_still_skipped_and_real_cells_mentioning_it_are_not(preview):
    """Staff may sort the sheet (the example goes to the bottom); a note saying 「記入例」 inside is data."""
    InvoiceFactory(member=MemberFactory(user__username="0012399"), fiscal_year=2024)
    rows = [
        "会員番号,入金日,金額,年度,請求区分,入金種別,備考",
        "0012399,2024/05/01,5000,2024,会費,ゆうちょ,前回の記入例と同じ",
        '【記入例】0012345,2024/04/30,"5,000",2024,会費,ゆうちょ,',
    ]
    job = preview("\r\n".join(rows).encode("utf-8"), name="statement.csv", kind="bank_transfers")
    assert job.state == ImportJob.State.PREVIEWED, job.message
    assert job.total_rows == 1
    assert job.result["counts"]["matched"] == 1
    assert "3行目は記入例(「【記入例】」で始まる行)のため取り込みません。" in job.result["notes"]


def test_the_xlsx_template_explains_the_example_and_the_columns(admin_client):
    workbook = workbook_of(template(admin_client, "bank_transfers", "xlsx"))
    first = workbook.worksheets[0]
    assert first["A2"].value == "【記入例】0012345"
    assert first["A2"].font.italic
    instructions = [row[0].value for row in workbook["記入方法"].iter_rows()]
    assert "入金日" in instructions
    text = " ".join(str(value) for value in instructions if value)
    assert "記入例で、取り込まれません" in text


def test_the_upload_page_says_the_example_row_is_not_imported(admin_client):
    body = admin_client.get(reverse("imports:upload")).content.decode()
    assert "テンプレートの2行目は記入例です" in body
    assert "「【記入例】」で始まる行は取り込まれません" in body


def test_the_attendance_template_lists_the_sessions_held_recently(client, superuser):
    """Held today or earlier in Asia/Tokyo (here 01:00 on 12/08 in Tokyo, still 12/07 in UTC),
    and within a year; newest first."""
    with time_machine.travel(datetime.datetime(2026, 12, 7, 16, 0, tzinfo=datetime.UTC), tick=False):
        assert timezone.localdate() == datetime.date(2026, 12, 8)
        today_seminar = make_seminar("年末講習会", starts_on=datetime.date(2026, 12, 8), sessions=2)
        first, second = today_seminar.sessions.order_by("sort_order")
        second.held_on = datetime.date(2026, 12, 9)  # tomorrow in Tokyo: not held yet
        second.save()
        older = make_seminar("春の学会", starts_on=datetime.date(2026, 5, 10)).sessions.get()
        make_seminar("前年の学会", starts_on=datetime.date(2025, 12, 1))  # more than a year ago
        make_seminar("来年の学会", starts_on=datetime.date(2027, 1, 6))
        log_in_staff(client, superuser)

        workbook = workbook_of(template(client, "attendance", "xlsx"))

    sheet = workbook["セッション一覧"]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0] == ["セッションID", "学会・セミナー", "セッション", "開催日", "点数"]
    assert rows[1:] == [
        [first.pk, "年末講習会", "セッション1", datetime.datetime(2026, 12, 8), 10],
        [older.pk, "春の学会", "セッション1", datetime.datetime(2026, 5, 10), 10],
    ]
    assert sheet["D2"].number_format == "yyyy/mm/dd"
    assert workbook.sheetnames[0] == "出席者(受講履歴)"  # the import reads the first sheet


def test_the_attendance_template_says_when_no_session_was_held(admin_client):
    workbook = workbook_of(template(admin_client, "attendance", "xlsx"))
    assert "開催されたセッションはありません" in workbook["セッション一覧"]["A2"].value
    assert not Credit.objects.exists()
