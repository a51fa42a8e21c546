"""Reading CSV (UTF-8 with or without BOM, Shift_JIS) and XLSX, and the header check."""

from datetime import date, datetime

import pytest

from imports.models import ImportJob
from membership.models import Member
from tests.imports.data import HEADERS, csv_bytes, member_row, member_rows, xlsx_bytes

pytestmark = pytest.mark.django_db


def test_utf8_csv_with_bom_imports(import_file):
    job = import_file(csv_bytes(member_rows(3), encoding="utf-8-sig"))
    assert job.state == ImportJob.State.APPLIED
    assert job.new_count == 3
    member = Member.objects.get(member_number="0000001")
    assert (member.family_name, member.given_name, member.family_name_kana) == ("山田", "花子", "ヤマダ")


def test_utf8_csv_without_bom_imports(import_file):
    job = import_file(csv_bytes(member_rows(3), encoding="utf-8"))
    assert job.new_count == 3
    assert Member.objects.filter(member_number="0000003").exists()


def test_shift_jis_csv_imports(import_file):
    rows = [member_row(0, **{"フリガナ(名)": "はなこ", "自宅住所2": "サンプルマンション101"})]
    data = csv_bytes(rows, encoding="cp932")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    job = import_file(data)
    assert job.new_count == 1
    member = Member.objects.get(member_number="0000001")
    assert member.given_name_kana == "ハナコ"  # hiragana converted, as the member form does
    assert member.home_address2 == "サンプルマンション101"
    assert member.home_prefecture == "東京都"


def test_xlsx_imports_with_numbers_and_dates_as_excel_stores_them(import_file):
    row = member_row(0)
    row.update(
        {
            "会員番号": 12345,  # a number cell: Excel dropped the zeros, put back to 7 digits
            "生年月日": datetime(1980, 5, 17),  # a date cell
            "入会日": 40269,  # a date typed into a General cell: Excel's serial number (2010-04-01)
            "自宅郵便番号": 600001,  # 060-0001 typed as a number lost its zero
            "電話番号": 312345678,  # 03-1234-5678 typed as a number
            "認定有効期限": "2027/03/31",
        }
    )
    job = import_file(xlsx_bytes([row]), name="members.xlsx")
    assert job.new_count == 1
    member = Member.objects.get()
    assert member.member_number == "0012345"
    assert member.birth_date == date(1980, 5, 17)
    assert member.joined_on == date(2010, 4, 1)
    assert member.home_postal_code == "060-0001"
    assert member.phone == "0312345678"
    assert member.certification_expires_on == date(2027, 3, 31)


def test_xlsx_text_member_numbers_keep_leading_zeros(import_file):
    job = import_file(xlsx_bytes([member_row(0, 会員番号="0012345")]), name="members.xlsx")
    assert job.new_count == 1
    assert Member.objects.get().member_number == "0012345"


def test_csv_member_numbers_are_kept_as_written(import_file):
    import_file(csv_bytes([member_row(0, 会員番号="0012345"), member_row(1, 会員番号="A12345")]))
    assert set(Member.objects.values_list("member_number", flat=True)) == {"0012345", "A12345"}


def test_a_number_without_its_zeros_is_the_same_member_number(preview):
    job = preview(csv_bytes([member_row(0, 会員番号="0012345"), member_row(1, 会員番号="12345")]))
    assert job.result["errors"] == [
        {"row": 3, "column": "会員番号", "message": "会員番号 0012345 がファイル内で重複しています(2行目と同じ)。"}
    ]


def test_columns_may_come_in_any_order_and_with_full_width_brackets(import_file):
    headers = list(reversed(HEADERS))
    data = csv_bytes(member_rows(2), headers=headers)
    data = data.replace("氏名(姓)".encode(), "氏名（姓）".encode(), 1)
    job = import_file(data)
    assert job.new_count == 2


def test_wrong_headers_give_one_clear_message(preview):
    headers = [h for h in HEADERS if h not in ("メールアドレス", "会員ステータス")] + ["備考"]
    job = preview(csv_bytes(member_rows(50), headers=headers))
    assert job.state == ImportJob.State.FAILED
    assert job.error_count == 0
    assert job.result["errors"] == []
    message = job.message
    assert message == job.header_error
    assert "不足している列: 会員ステータス。" in message  # required; メールアドレス may be left out
    assert "備考" not in message  # a column the import does not use is read past, not an error
    assert job.result["columns_read"]["ignored"] == ["備考"]
    assert not job.can_apply


def test_a_file_without_header_row_names_every_column_missing(preview):
    data = csv_bytes(member_rows(3)).split(b"\r\n", 1)[1]
    job = preview(data)
    assert job.state == ImportJob.State.FAILED
    assert "不足している列: 会員番号、" in job.message


def test_repeated_header_is_reported(preview):
    job = preview(csv_bytes(member_rows(1), headers=[*HEADERS, "会員番号"]))
    assert job.state == ImportJob.State.FAILED
    assert "重複している列: 会員番号。" in job.message


def test_old_excel_format_is_refused_with_advice(preview):
    job = preview(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, name="members.xls")
    assert job.state == ImportJob.State.FAILED
    assert ".xls" in job.message


def test_blank_rows_are_skipped_and_row_numbers_follow_the_sheet(preview):
    data = (
        csv_bytes(member_rows(2))
        + b",,,\r\n\r\n"
        + csv_bytes([member_row(5, 生年月日="1990/13/01")]).split(b"\r\n", 1)[1]
    )
    job = preview(data)
    assert job.new_count == 2
    assert job.result["errors"] == [{"row": 6, "column": "生年月日", "message": "存在しない日付です。"}]
