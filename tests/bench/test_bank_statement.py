"""BENCH bank_statement_rows_per_s and bank_statement_vs_template: a 全銀協 入出金取引明細 of 5,000
deposits against 20,000 members with unpaid dues, preview and apply together; half the rows name
the member by number (in front of the payer's name), half only by the payer's half-width kana
(every member's furigana read once). The anchor is the same payments as the import's template
(会員番号 given) in the same run: the ratio is what reading the bank's own file and finding members
by name costs over it. Before each run the dues are billed afresh; the median of three is reported.
"""

import datetime
import statistics
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from imports import services
from imports.models import ImportJob
from membership.billing.dues import generate_dues
from membership.models import DuesRule, Invoice, Member, ReceiptCounter, User
from tests.imports.bank_data import statement_csv, transfer, zengin_deposit, zengin_statement

MEMBERS = 20_000
ROWS = 5_000
RUNS = 3
FISCAL_YEAR = 2025
DAY = datetime.date(2025, 11, 4)
FULL, HALF = "アイウエオカキクケコ", "ｱｲｳｴｵｶｷｸｹｺ"


def kana(n, digits):
    """A name unique to ``n``: its decimal digits written as kana."""
    return "".join(digits[int(d)] for d in f"{n:05d}")


def create_members():
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {Invoice._meta.db_table}")
        cursor.execute(f"DELETE FROM {Member._meta.db_table}")
        cursor.execute(f"DELETE FROM {User._meta.db_table} WHERE kind = %s", [User.Kind.MEMBER])
    users = User.objects.bulk_create(
        [User(username=f"8{n:06d}", kind=User.Kind.MEMBER, password="!") for n in range(MEMBERS)], batch_size=5000
    )
    Member.objects.bulk_create(
        [
            Member(
                user_id=user.pk,
                member_number=user.username,
                family_name="試験",
                given_name=f"会員{n}",
                family_name_kana="シケン",
                given_name_kana=kana(n, FULL),
                joined_on=datetime.date(2020, 4, 1),
            )
            for n, user in enumerate(users)
        ],
        batch_size=5000,
    )
    DuesRule.objects.update_or_create(
        fiscal_year=FISCAL_YEAR, member_status=Member.Status.ACTIVE, defaults={"amount": 5000}
    )


def bill_afresh():
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {Invoice._meta.db_table}")
    ReceiptCounter.objects.all().delete()
    ImportJob.objects.all().delete()
    assert generate_dues(fiscal_year=FISCAL_YEAR).created == MEMBERS


def timed_import(staff, data, name):
    bill_afresh()
    start = time.perf_counter()
    job = services.upload(user=staff, kind="bank_transfers", uploaded_file=SimpleUploadedFile(name, data))
    assert job.state == ImportJob.State.PREVIEWED, job.message
    assert job.result["counts"]["matched"] == ROWS, job.result["counts"]
    job = services.start_apply(job=job, user=staff, options={"send_paid_mail": False})
    elapsed = time.perf_counter() - start
    assert job.state == ImportJob.State.APPLIED, job.message
    assert Invoice.objects.filter(status=Invoice.Status.PAID).count() == ROWS
    return elapsed


@pytest.mark.django_db(transaction=True)
def test_bank_statement_rows_per_s():
    create_members()
    staff = User.objects.create(username="bench-staff", kind=User.Kind.STAFF, is_staff=True, is_superuser=True)
    payers = range(0, MEMBERS, MEMBERS // ROWS)
    zengin = zengin_statement(
        [zengin_deposit(DAY, 5000, f"8{n:06d}ｼｹﾝ {kana(n, HALF)}" if n % 2 else f"ｼｹﾝ {kana(n, HALF)}") for n in payers]
    )
    template = statement_csv([transfer(f"8{n:06d}", "2025/11/04", "5000") for n in payers])
    statements, templates = [], []
    for _ in range(RUNS):
        statements.append(timed_import(staff, zengin, "NYUSHUKKIN.DAT"))
        templates.append(timed_import(staff, template, "statement.csv"))
    median = statistics.median(statements)
    print(f"\nBENCH bank_statement_rows_per_s {ROWS / median:.0f} rows/s")
    print(f"BENCH bank_statement_vs_template {median / statistics.median(templates):.2f} ratio")
