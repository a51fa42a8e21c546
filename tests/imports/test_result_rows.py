"""Every row of every class of an import's result: paged on the job page, downloaded as CSV and
XLSX (spreadsheet-safe), still there after the uploaded file is purged, and as the import left
them (rows it moved to another class are in that class)."""

import csv
import datetime
import io

import openpyxl
import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from imports.models import ImportJob, ImportRowChunk
from imports.rows import CHUNK_ROWS, PAGE_ROWS
from membership.billing.payments import record_manual_payment
from tests.imports.bank_data import member_with_dues, statement_csv, transfer
from tests.imports.data import csv_bytes, member_row, member_rows
from tests.imports.test_admin import upload

pytestmark = pytest.mark.django_db

BANK = "bank_transfers"


def page_of(client, job, **query):
    return client.get(reverse("imports:job", args=[job.pk]), query).content.decode()


def rows_shown(body, outcome):
    """Row numbers in the table of a class on the job page."""
    start = body.index(f'id="rows-{outcome}"')
    end = body.find('<h2 class="w-h2"', start + 1)
    table = body[start : end if end > 0 else len(body)]
    return [int(cell.split("行目")[0]) for cell in table.split("<td>")[1:] if "行目</td>" in cell]


def download(client, job, outcome, fmt):
    response = client.get(reverse("imports:rows", args=[job.pk, outcome, fmt]))
    assert response.status_code == 200
    if fmt == "csv":
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        data = b"".join(response.streaming_content)
        assert data.startswith(b"\xef\xbb\xbf")
        return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def test_the_job_page_pages_through_every_row_of_a_class(admin_client):
    count = 2 * PAGE_ROWS + 20
    upload(admin_client, csv_bytes(member_rows(count)))
    job = ImportJob.objects.get()

    first = page_of(admin_client, job)
    assert rows_shown(first, "new") == list(range(2, PAGE_ROWS + 2))
    assert f"新規({count}件)" in first and "1〜50件目を表示しています。" in first
    assert 'href="?rows=new&amp;p=2#rows-new" rel="next"' in first

    last = page_of(admin_client, job, rows="new", p=3)
    assert rows_shown(last, "new") == list(range(2 * PAGE_ROWS + 2, count + 2))
    assert "101〜120件目を表示しています。" in last and "3 / 3 ページ" in last
    past_the_end = page_of(admin_client, job, rows="new", p=99)
    assert rows_shown(past_the_end, "new") == rows_shown(last, "new")


def test_a_bank_import_s_unmatched_rows_are_all_shown_and_downloadable(admin_client):
    """該当なし and 金額不一致 are worked through by hand: every row, with the reason."""
    member_with_dues("0000101", 2025)
    rows = [transfer(f"{9000000 + n}", "2025/05/01", "5000") for n in range(PAGE_ROWS + 5)]
    rows.append(transfer("0000101", "2025/05/01", "4000"))
    admin_client.post(reverse("imports:upload"), {"kind": BANK, "file": _file(statement_csv(rows))})
    job = ImportJob.objects.get()
    assert job.result["counts"]["not_found"] == PAGE_ROWS + 5

    second = page_of(admin_client, job, rows="not_found", p=2)
    assert rows_shown(second, "not_found") == list(range(PAGE_ROWS + 2, PAGE_ROWS + 7))
    assert rows_shown(second, "mismatch") == [PAGE_ROWS + 7]
    assert reverse("imports:rows", args=[job.pk, "not_found", "xlsx"]) in second

    lines = download(admin_client, job, "not_found", "csv")
    assert lines[0] == ["行", "会員番号", "入金日", "金額", "年度", "請求区分", "入金種別", "照合結果"]
    assert len(lines) == 1 + PAGE_ROWS + 5
    assert lines[-1][:4] == [str(PAGE_ROWS + 6), str(9000000 + PAGE_ROWS + 4), "2025/05/01", "5000"]
    assert lines[-1][-1].startswith(f"会員番号 {9000000 + PAGE_ROWS + 4} の会員がいません。")

    sheet = download(admin_client, job, "mismatch", "xlsx")
    assert sheet[0][0] == "行" and len(sheet) == 2
    assert sheet[1][0] == PAGE_ROWS + 7
    assert sheet[1][-1] == "未納の請求(2025年度 会費 5,000円)と金額が違います(入金 4,000円)。"


def test_downloads_never_hold_a_formula(admin_client):
    formula = '=HYPERLINK("http://evil.example/","x")'
    upload(admin_client, csv_bytes([member_row(0, **{"氏名(姓)": formula, "会員番号": "-1"})]))
    job = ImportJob.objects.get()
    assert job.error_count == 1
    lines = download(admin_client, job, "error", "csv")
    assert lines[0][-1] == "エラー内容"
    assert lines[1][1:3] == ["'-1", "'" + formula]
    assert lines[1][-1].startswith("会員番号: ")

    response = admin_client.get(reverse("imports:rows", args=[job.pk, "error", "xlsx"]))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    cell = sheet.cell(row=2, column=3)
    assert (cell.value, cell.data_type) == (formula, "s")  # text, not a formula

    errors = admin_client.get(reverse("imports:errors", args=[job.pk])).content.decode("utf-8-sig")
    assert "=HYPERLINK" not in errors.replace("'=HYPERLINK", "")


def test_updated_rows_download_with_what_changes(admin_client, import_file):
    import_file(csv_bytes(member_rows(2)))
    changed = member_rows(2)
    changed[1]["氏名(姓)"] = "新姓"
    upload(admin_client, csv_bytes(changed))
    job = ImportJob.objects.latest("pk")
    lines = download(admin_client, job, "updated", "csv")
    assert lines[0][-1] == "変更点"
    assert lines[1][0] == "3" and lines[1][-1] == "氏名(姓): 佐藤 → 新姓"
    assert download(admin_client, job, "unchanged", "csv")[0][-1] == "会員ステータス"  # no 変更点 column


def test_rows_stay_after_the_file_is_purged(admin_client, import_file):
    job = import_file(csv_bytes(member_rows(3)))
    call_command("purge_import_files", "--days", "0", stdout=io.StringIO())
    job.refresh_from_db()
    assert not job.file and job.file_deleted_at
    body = page_of(admin_client, job)
    assert "元のファイルは保存期間" in body and rows_shown(body, "new") == [2, 3, 4]
    assert [line[1] for line in download(admin_client, job, "new", "csv")[1:]] == ["0000001", "0000002", "0000003"]


def test_the_import_s_rows_replace_the_preview_s(admin_client, superuser):
    """Paid at the counter between preview and import: the import lists the row where it found
    it (no unpaid invoice any more), and 照合済 is empty."""
    _member, invoices = member_with_dues("0000201", 2025)
    admin_client.post(
        reverse("imports:upload"),
        {"kind": BANK, "file": _file(statement_csv([transfer("0000201", "2025/05/01", "5000")]))},
    )
    job = ImportJob.objects.get()
    assert rows_shown(page_of(admin_client, job), "matched") == [2]
    record_manual_payment(
        invoice_id=invoices[2025].pk, channel="counter", paid_on=datetime.date(2025, 4, 30), notify=False
    )
    admin_client.post(reverse("imports:confirm", args=[job.pk]))
    job.refresh_from_db()
    assert set(ImportRowChunk.objects.filter(job=job).values_list("outcome", flat=True)) == {"not_found"}
    body = page_of(admin_client, job)
    assert 'id="rows-matched"' not in body and rows_shown(body, "not_found") == [2]
    assert len(download(admin_client, job, "matched", "csv")) == 1  # the header only
    (line,) = download(admin_client, job, "not_found", "csv")[1:]
    assert line[0] == "2" and line[-1] == "未納の会費の請求がありません。"


def test_a_job_from_before_every_row_was_kept_shows_its_first_rows(admin_client):
    upload(admin_client, csv_bytes(member_rows(3)))
    job = ImportJob.objects.get()
    result = {key: value for key, value in job.result.items() if key not in ("rows_stored", "with_changes")}
    result["counts"]["new"] = 30  # 30 rows then, the first 3 kept as samples
    ImportJob.objects.filter(pk=job.pk).update(result=result)
    ImportRowChunk.objects.all().delete()
    body = page_of(admin_client, job)
    assert "先頭の3件を表示しています" in body and rows_shown(body, "new") == [2, 3, 4]
    assert reverse("imports:rows", args=[job.pk, "new", "csv"]) not in body
    assert admin_client.get(reverse("imports:rows", args=[job.pk, "new", "csv"])).status_code == 404


def test_unknown_classes_and_formats_are_not_found(admin_client):
    upload(admin_client, csv_bytes(member_rows(1)))
    job = ImportJob.objects.get()
    assert admin_client.get(reverse("imports:rows", args=[job.pk, "matched", "csv"])).status_code == 404
    assert admin_client.get(reverse("imports:rows", args=[job.pk, "new", "pdf"])).status_code == 404


def test_rows_are_kept_compactly_in_chunks(import_file):
    job = import_file(csv_bytes(member_rows(CHUNK_ROWS + 1)))
    chunks = list(ImportRowChunk.objects.filter(job=job).order_by("seq").values_list("seq", "row_count", "data"))
    assert [(seq, count) for seq, count, _data in chunks] == [(0, CHUNK_ROWS), (1, 1)]
    assert len(bytes(chunks[0][2])) < CHUNK_ROWS * 40  # a row's five cells, compressed


def test_the_job_page_needs_the_same_queries_for_any_number_of_rows(admin_client):
    def queries(count):
        upload(admin_client, csv_bytes(member_rows(count, start=count * 10)))
        job = ImportJob.objects.latest("pk")
        with CaptureQueriesContext(connection) as captured:
            page_of(admin_client, job, rows="new", p=2)
        return len(captured)

    assert queries(CHUNK_ROWS * 2 + 5) == queries(PAGE_ROWS + 5)


def _file(data, name="statement.csv"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)
