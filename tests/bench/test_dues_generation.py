"""BENCH dues_generation_50k_s: billing one fiscal year's dues to 50,000 members.

Times ``billing.dues.generate_dues`` (the preview query over all members, then the bulk insert of
the invoices), as the 会費の一括請求 screen runs it. The members are bulk-created once; before
each of the three runs the invoices of the previous run are deleted. The median is reported.
"""

import datetime
import statistics
import time

import pytest
from django.db import connection

from membership.billing.dues import generate_dues
from membership.models import DuesRule, Invoice, Member, User

MEMBERS = 50_000
RUNS = 3
FISCAL_YEAR = 2025


def delete_invoices():
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {Invoice._meta.db_table}")


def create_members():
    delete_invoices()
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {Member._meta.db_table}")
        cursor.execute(f"DELETE FROM {User._meta.db_table} WHERE kind = %s", [User.Kind.MEMBER])
    users = User.objects.bulk_create(
        [
            User(username=f"9{n:06d}", kind=User.Kind.MEMBER, password="!", email=f"bench{n}@example.jp")
            for n in range(MEMBERS)
        ],
        batch_size=5000,
    )
    Member.objects.bulk_create(
        [
            Member(
                user_id=user.pk,
                member_number=user.username,
                family_name="試験",
                given_name=f"会員{n}",
                family_name_kana="シケン",
                given_name_kana="カイイン",
                joined_on=datetime.date(2020, 4, 1),
            )
            for n, user in enumerate(users)
        ],
        batch_size=5000,
    )
    DuesRule.objects.update_or_create(
        fiscal_year=FISCAL_YEAR, member_status=Member.Status.ACTIVE, defaults={"amount": 5000}
    )


@pytest.mark.django_db(transaction=True)
def test_dues_generation_50k_s():
    create_members()
    timings = []
    for _ in range(RUNS):
        delete_invoices()
        start = time.perf_counter()
        roll = generate_dues(fiscal_year=FISCAL_YEAR)
        timings.append(time.perf_counter() - start)
        assert roll.created == MEMBERS
    assert Invoice.objects.filter(fiscal_year=FISCAL_YEAR).count() == MEMBERS
    # A second run bills nobody twice.
    assert generate_dues(fiscal_year=FISCAL_YEAR).created == 0
    print(f"\nBENCH dues_generation_50k_s {statistics.median(timings):.2f} s")
