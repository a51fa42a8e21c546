"""BENCH credit_evaluation_10k_s: evaluating 10,000 members with 20 credits each.

Times ``credits.evaluate_many`` over the 10,000 members (their expiries spread over five
years, the credits over six, so that some fall outside each member's cycle), as a staff list of
renewal candidates would run it. The data is bulk-created inside the test's transaction and
rolled back afterwards. The median of three runs is reported; a spot check compares a few
members with ``evaluate``.
"""

import datetime
import statistics
import time

import pytest

from membership.models import Member, User
from renewal.credits import evaluate, evaluate_many
from renewal.models import Credit, CreditCategory

MEMBERS = 10_000
CREDITS_EACH = 20
RUNS = 3
FIRST_EXPIRY = datetime.date(2027, 3, 31)


def create_data():
    categories = list(CreditCategory.objects.order_by("sort_order", "pk"))
    assert categories, "the credit categories come with the migrations"
    users = User.objects.bulk_create(
        [
            User(username=f"8{n:06d}", kind=User.Kind.MEMBER, password="!", email=f"credit-bench{n}@example.jp")
            for n in range(MEMBERS)
        ],
        batch_size=5000,
    )
    members = Member.objects.bulk_create(
        [
            Member(
                user_id=user.pk,
                member_number=user.username,
                family_name="試験",
                given_name=f"会員{n}",
                joined_on=datetime.date(2015, 4, 1),
                # Every member but one in fifty is certified, expiring some year-end from 2027 to 2031.
                certification_expires_on=None if n % 50 == 0 else FIRST_EXPIRY.replace(year=2027 + n % 5),
            )
            for n, user in enumerate(users)
        ],
        batch_size=5000,
    )
    Credit.objects.bulk_create(
        [
            Credit(
                member_id=member.pk,
                credit_category_id=categories[k % len(categories)].pk,
                points=1 + (n + k) % 10,
                earned_on=datetime.date(2021, 4, 1) + datetime.timedelta(days=(n * 7 + k * 113) % 2190),
                source=Credit.Source.CERTIFICATE,
                title="ベンチマーク",
            )
            for n, member in enumerate(members)
            for k in range(CREDITS_EACH)
        ],
        batch_size=10000,
    )
    return members


@pytest.mark.django_db
def test_credit_evaluation_10k_s():
    members = create_data()
    ids = [member.pk for member in members]
    assert Credit.objects.filter(member_id__in=ids[:100]).count() == 100 * CREDITS_EACH
    evaluate_many(ids[:10])  # warm up (settings row, connection)

    timings = []
    for _ in range(RUNS):
        start = time.perf_counter()
        evaluations = evaluate_many(Member.objects.filter(member_number__startswith="8"))
        timings.append(time.perf_counter() - start)
        assert len(evaluations) == MEMBERS

    for member in members[:: MEMBERS // 10]:
        assert evaluations[member.pk] == evaluate(member)
    eligible = sum(evaluation.eligible for evaluation in evaluations.values())
    assert 0 < eligible < MEMBERS
    print(f"\nBENCH credit_evaluation_10k_s {statistics.median(timings):.2f} s")
