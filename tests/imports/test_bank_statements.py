"""Bank statements as the banks deliver them (全銀協 入出金取引明細, ゆうちょ's 振替 CSV) through the
bank-transfer import: the format told from the file, the member found by the number in 通信欄 or
by the payer's half-width kana, the same preview classes and the same all-or-nothing apply."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from imports import services
from imports.models import ImportJob
from membership.models import Invoice
from tests.imports.bank_data import (
    member_with_dues,
    paid_state,
    yucho_csv,
    yucho_receipt,
    zengin_deposit,
    zengin_notice,
    zengin_statement,
    zengin_withdrawal,
)

KIND = "bank_transfers"
DAY = datetime.date(2025, 11, 4)
pytestmark = pytest.mark.django_db


@pytest.fixture
def upload(preview):
    def run(data, name="statement.txt"):
        return preview(data, name=name, kind=KIND)

    return run


@pytest.fixture
def members():
    """Members with unpaid 2025 dues of 5,000円; two of them share the furigana ヤマダ ハナコ."""
    return {
        "numbered": member_with_dues("0000201", 2025, family_name_kana="イトウ", given_name_kana="ジロウ")[1][2025],
        "kyoko": member_with_dues("0000202", 2025, family_name_kana="サトウ", given_name_kana="キョウコ")[1][2025],
        "yuko": member_with_dues("0000203", 2025, amount=8000, family_name_kana="スズキ", given_name_kana="ユーコ")[1][
            2025
        ],
        "hanako1": member_with_dues("0000204", 2025, family_name_kana="ヤマダ", given_name_kana="ハナコ")[1][2025],
        "hanako2": member_with_dues("0000205", 2025, family_name_kana="ヤマダ", given_name_kana="ハナコ")[1][2025],
    }


def counts(job):
    return {key: value for key, value in job.result["counts"].items() if value}


def details(job, outcome):
    return [(sample["row"], sample["cells"][0], sample["cells"][-1]) for sample in job.result["samples"][outcome]]


def zengin_file():
    return zengin_statement(
        [
            zengin_deposit(DAY, 5000, "0000201ｲﾄｳ ｼﾞﾛｳ"),  # record 2: the number before the name
            zengin_withdrawal(DAY, 440),  # record 3: a fee paid out, read past
            zengin_deposit(DAY, 5000, "ｻﾄｳ ｷﾖｳｺ"),  # record 4: half-width kana, no small kana
            zengin_deposit(DAY, 5000, "ｽｽﾞｷ ﾕ-ｺ"),  # record 5: her invoice is 8,000円
            zengin_deposit(DAY, 5000, "ｶ)ﾔﾏﾄｼﾖｳｼﾞ"),  # record 6: nobody we know
        ]
    )


def test_zengin_statement_is_read_and_matched_by_number_and_by_kana(upload, members):
    before = paid_state()
    job = upload(zengin_file(), name="NYUSHUKKIN.DAT")

    assert job.state == ImportJob.State.PREVIEWED, job.message
    assert counts(job) == {"matched": 2, "mismatch": 1, "not_found": 1}
    assert details(job, "matched") == [
        (2, "0000201", "振込依頼人の会員番号 0000201 で照合。2025年度 会費 5,000円を入金済にします。"),
        (4, "0000202", "振込依頼人名 ｻﾄｳ ｷﾖｳｺ で照合。2025年度 会費 5,000円を入金済にします。"),
    ]
    assert details(job, "mismatch") == [
        (
            5,
            "0000203",
            "振込依頼人名 ｽｽﾞｷ ﾕ-ｺ で照合。未納の請求(2025年度 会費 8,000円)と金額が違います(入金 5,000円)。",
        )
    ]
    assert details(job, "not_found") == [(6, "", "会員番号の記載がなく、振込依頼人名 ｶ)ﾔﾏﾄｼﾖｳｼﾞ の会員もいません。")]
    notes = job.result["notes"]
    assert (
        "全銀協の入出金取引明細(固定長200バイト)として読みました(ﾐﾂﾋﾞｼﾕ-ｴﾌｼﾞｪｲ ﾎﾝﾃﾝ 口座番号 1234567)。入金 4件。"
        in notes
    )
    assert "出金の明細 1件は入金ではないため読み飛ばしました。" in notes
    assert "会員番号がなく振込依頼人名で会員を探した行が 2件あります(照合結果に表示)。" in notes
    assert paid_state() == before


def test_zengin_statement_applies_all_matched_rows_and_a_second_import_changes_nothing(upload, members, superuser):
    job = services.start_apply(job=upload(zengin_file()), user=superuser, options={"send_paid_mail": False})

    assert job.state == ImportJob.State.APPLIED, job.message
    paid = Invoice.objects.filter(status=Invoice.Status.PAID).order_by("member__member_number")
    assert [(i.member.member_number, i.paid_on, i.paid_amount, i.channel) for i in paid] == [
        ("0000201", DAY, 5000, Invoice.Channel.TRANSFER),
        ("0000202", DAY, 5000, Invoice.Channel.TRANSFER),
    ]
    assert paid[1].note == "振込依頼人 ｻﾄｳ ｷﾖｳｺ"  # who paid stays on the invoice
    assert Invoice.objects.get(pk=members["yuko"].pk).status == Invoice.Status.UNPAID

    again = upload(zengin_file())
    assert counts(again) == {"already_paid": 2, "mismatch": 1, "not_found": 1}


def test_zengin_statement_without_line_breaks_reads_the_same(upload, members):
    records = zengin_file().replace(b"\r\n", b"")
    assert len(records) % 200 == 0
    assert counts(upload(records)) == {"matched": 2, "mismatch": 1, "not_found": 1}


def yucho_file(**overrides):
    rows = [
        yucho_receipt("2025/11/04", "5,000", "ｲﾄｳ ｼﾞﾛｳ", "会員番号 201 2025年度 会費"),  # row 3: zeros put back
        yucho_receipt("R7.11.4", "5000", "ｻﾄｳ ｷﾖｳｺ", "年会費"),  # row 4: 和暦, matched by kana
        yucho_receipt("2025/11/04", "5000", "ﾔﾏﾀﾞ ﾊﾅｺ", "会費です"),  # row 5: two members with that kana
        yucho_receipt("2025/11/04", "5000", "ﾀﾅｶ ｲﾁﾛｳ", ""),  # row 6: unknown payer
    ]
    return yucho_csv(rows, **overrides)


def test_yucho_csv_with_half_width_kana_is_matched(upload, members, superuser):
    data = yucho_file()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")  # Shift_JIS, as ゆうちょ delivers it
    job = upload(data, name="furikae.csv")

    assert job.state == ImportJob.State.PREVIEWED, job.message
    assert counts(job) == {"matched": 2, "not_found": 2}
    assert details(job, "matched") == [
        (3, "0000201", "通信欄の会員番号 0000201 で照合。2025年度 会費 5,000円を入金済にします。"),
        (4, "0000202", "払込人名 ｻﾄｳ ｷﾖｳｺ で照合。2025年度 会費 5,000円を入金済にします。"),
    ]
    ambiguous, unknown = details(job, "not_found")
    assert ambiguous[:2] == (5, "")
    assert "払込人名 ﾔﾏﾀﾞ ﾊﾅｺ の会員が2人います" in ambiguous[2]
    assert "0000204" in ambiguous[2] and "0000205" in ambiguous[2]
    assert "同じ名前の会員は自動では照合しません" in ambiguous[2]
    assert unknown == (6, "", "会員番号の記載がなく、払込人名 ﾀﾅｶ ｲﾁﾛｳ の会員もいません。")

    job = services.start_apply(job=job, user=superuser, options={"send_paid_mail": False})
    assert job.state == ImportJob.State.APPLIED, job.message
    assert set(Invoice.objects.filter(status=Invoice.Status.PAID).values_list("member__member_number", "channel")) == {
        ("0000201", Invoice.Channel.YUCHO),
        ("0000202", Invoice.Channel.YUCHO),
    }
    # Neither of the two ヤマダ ハナコ was paid: an ambiguous name never matches automatically.
    assert Invoice.objects.get(pk=members["hanako1"].pk).status == Invoice.Status.UNPAID
    assert Invoice.objects.get(pk=members["hanako2"].pk).status == Invoice.Status.UNPAID


def test_a_yucho_row_in_error_blocks_the_whole_statement(upload, members):
    rows = [
        yucho_receipt("2025/11/04", "5000", "ｲﾄｳ ｼﾞﾛｳ", "会員番号 0000201"),
        yucho_receipt("2099/01/01", "5000", "ｻﾄｳ ｷﾖｳｺ", ""),  # after today
    ]
    before = paid_state()
    job = upload(yucho_csv(rows))
    assert job.error_count == 1 and not job.can_apply
    assert [(e["row"], e["column"]) for e in job.result["errors"]] == [(4, "入金日")]
    assert paid_state() == before


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("日付,摘要,出金金額,入金金額\r\n2025/11/04,ﾌﾘｺﾐ,,5000\r\n".encode("cp932"), "このファイルの1行目: 日付、摘要"),
        (b"%PDF-1.7\n\x00\x01\x02\xff\xfe binary", "このファイルの1行目: %PDF-1.7"),
    ],
    ids=["another-bank-csv", "binary"],
)
def test_a_file_in_neither_format_is_refused_in_japanese(upload, data, expected):
    job = upload(data, name="statement.csv")
    assert job.state == ImportJob.State.FAILED
    assert "入金明細として読める形式ではありません" in job.message
    assert "全銀協の入出金取引明細" in job.message and "ゆうちょの振替" in job.message
    assert expected in job.message


def test_a_truncated_zengin_file_is_refused(upload, members):
    data = zengin_statement([zengin_deposit(DAY, 5000, "ｻﾄｳ ｷﾖｳｺ")], trailer_deposits=(2, 10000))
    job = upload(data)
    assert job.state == ImportJob.State.FAILED
    assert "トレーラ・レコード(入金 2件 10,000円)と明細(入金 1件 5,000円)が一致しません" in job.message


def test_zengin_file_of_another_kind_is_named(upload):
    data = zengin_statement([zengin_deposit(DAY, 5000, "ｻﾄｳ ｷﾖｳｺ")])
    job = upload(b"121" + data[3:])  # 21: a 総合振込 file (what we would send, not what we receive)
    assert job.state == ImportJob.State.FAILED
    assert "種別コードが 21 です(入出金取引明細は 03、振込入金通知は 01)" in job.message


def notice_file(**options):
    return zengin_notice(
        [
            (DAY, 5000, "ｲﾄｳ ｼﾞﾛｳ", "0000201"),  # record 2: the number in EDI情報
            (DAY, 5000, "ｻﾄｳ ｷﾖｳｺ", ""),  # record 3: half-width kana
            (DAY, 5000, "ﾔﾏﾀﾞ ﾊﾅｺ", ""),  # record 4: two members have that furigana
        ],
        cancelled=[(DAY, 5000, "ｽｽﾞｷ ﾕ-ｺ", "")],  # record 5: taken back by the sending bank
        **options,
    )


def test_zengin_transfer_notice_is_read_and_matched(upload, members, superuser):
    """振込入金通知 (種別コード 01), as many banks send transfers received: matched by the number in
    EDI情報 and by half-width kana; a cancelled transfer is no payment."""
    job = upload(notice_file(line_breaks=False), name="FURIKOMI.DAT")
    assert job.state == ImportJob.State.PREVIEWED, job.message
    assert counts(job) == {"matched": 2, "not_found": 1}
    assert [row for row, *_ in details(job, "matched")] == [2, 3]
    assert details(job, "matched")[0][2].startswith("通信欄の会員番号 0000201 で照合")
    assert (
        "全銀協の振込入金通知(固定長200バイト)として読みました(ﾐﾂｲｽﾐﾄﾓ ﾄｳｷﾖｳ 口座番号 7654321)。入金 3件。"
        in (job.result["notes"])
    )
    assert "取消の明細 1件は入金ではないため読み飛ばしました。" in job.result["notes"]
    job = services.start_apply(job=job, user=superuser, options={"send_paid_mail": False})
    assert job.state == ImportJob.State.APPLIED, job.message
    paid = Invoice.objects.filter(status=Invoice.Status.PAID).order_by("member__member_number")
    assert [(i.member.member_number, i.paid_on, i.paid_amount) for i in paid] == [
        ("0000201", DAY, 5000),
        ("0000202", DAY, 5000),
    ]
    assert Invoice.objects.get(pk=members["yuko"].pk).status == Invoice.Status.UNPAID


def test_a_transfer_notice_whose_trailer_disagrees_is_refused(upload, members):
    job = upload(notice_file(trailer=(4, 25000)))
    assert job.state == ImportJob.State.FAILED
    assert "振込入金通知のトレーラ・レコード(4件 25,000円)と明細(3件 15,000円)が一致しません" in job.message


def test_name_matching_costs_the_same_queries_for_a_longer_statement(upload, members):
    short = zengin_statement([zengin_deposit(DAY, 5000, "ｻﾄｳ ｷﾖｳｺ")])
    long = zengin_statement([zengin_deposit(DAY, 5000, f"ｻﾄｳ ｷﾖｳｺ {n}") for n in range(40)])
    with CaptureQueriesContext(connection) as first:
        upload(short)
    with CaptureQueriesContext(connection) as second:
        upload(long)
    assert len(second) <= len(first) + 2, len(second) - len(first)


def test_the_upload_page_names_the_accepted_formats(admin_client):
    page = admin_client.get(reverse("imports:upload")).content.decode()
    assert "読み込める明細の形式" in page
    assert "全銀協の入出金取引明細・振込入金通知(固定長200バイト" in page
    assert "ゆうちょの振替(払込み)受払明細の CSV" in page


def test_yucho_statement_saved_as_excel_is_read_too(upload, members):
    import io

    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["取扱日", "払込人氏名", "金額", "通信欄"])
    sheet.append([datetime.datetime(2025, 11, 4), "ｻﾄｳ ｷﾖｳｺ", 5000, None])
    buffer = io.BytesIO()
    workbook.save(buffer)
    job = upload(buffer.getvalue(), name="furikae.xlsx")
    assert counts(job) == {"matched": 1}
    assert details(job, "matched")[0][:2] == (2, "0000202")


def test_the_job_page_shows_how_each_statement_row_was_matched(admin_client, upload, members):
    job = upload(zengin_file())
    page = admin_client.get(reverse("imports:job", args=[job.pk])).content.decode()
    assert "全銀協の入出金取引明細(固定長200バイト)として読みました" in page
    assert "振込依頼人名 ｻﾄｳ ｷﾖｳｺ で照合。2025年度 会費 5,000円を入金済にします。" in page
    assert "会員番号の記載がなく、振込依頼人名 ｶ)ﾔﾏﾄｼﾖｳｼﾞ の会員もいません。" in page


def test_a_yucho_payer_written_in_kanji_is_matched_by_name(upload, members):
    member_with_dues("0000206", 2025, family_name="髙橋", given_name="京子")
    job = upload(yucho_csv([yucho_receipt("2025/11/04", "5000", "高橋 京子", "")]))
    assert details(job, "matched") == [
        (3, "0000206", "払込人名 高橋 京子 で照合。2025年度 会費 5,000円を入金済にします。")
    ]
