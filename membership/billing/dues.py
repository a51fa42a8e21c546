"""Dues (会費): billing a fiscal year's dues to everyone who owes them, once.

- ``plan_dues``: the preview (who would be billed how much, who is skipped and why);
- ``generate_dues``: the billing itself, idempotent, in batches;
- ``bill_dues``: 会費の一括請求 as staff ask for it in the admin: billed in the request, or for a
  large roll in the background (``tasks.run_dues_generation_task``, progress on a ``DuesRun``),
  with the dues rules' history entries;
- ``run_dues_generation``: the background side.
"""

import collections
import datetime
import uuid
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from wagtail.log_actions import log

from core.outbox import enqueue_with_transaction

from ..models import DuesRule, DuesRun, Invoice, Member
from .errors import BillingError
from .tasks import run_dues_generation_task

DUES_GENERATED_ACTION = "membership.dues.generated"

# Above this many members to bill, 会費の一括請求 runs in the background and the staff follow it
# on the progress page; up to this many, the invoices are created in the request.
LARGE_ROLL = 5000


def dues_subject(fiscal_year):
    return f"dues:{fiscal_year}"


def unpaid_dues(member):
    return Invoice.objects.filter(member=member, category=Invoice.Category.DUES, status=Invoice.Status.UNPAID)


@dataclass
class DuesRoll:
    """What billing a fiscal year's dues would do (the preview) or did."""

    fiscal_year: int
    to_bill: list = field(default_factory=list)  # (member_id, amount, member_status)
    skipped: dict = field(default_factory=dict)  # reason -> count
    skipped_examples: dict = field(default_factory=dict)  # reason -> a few member numbers
    created: int = 0

    @property
    def count(self):
        return len(self.to_bill)

    @property
    def total_yen(self):
        return sum(amount for _, amount, _ in self.to_bill)

    def per_status(self):
        """Member status -> how many are (to be) billed."""
        return collections.Counter(status for _, _, status in self.to_bill)


def plan_dues(*, fiscal_year):
    """Preview: who would be billed how much for ``fiscal_year``, and who is skipped and why."""
    rules = dict(DuesRule.objects.filter(fiscal_year=fiscal_year).values_list("member_status", "amount"))
    billed = set(
        Invoice.objects.filter(subject=dues_subject(fiscal_year))
        .exclude(status=Invoice.Status.CANCELLED)
        .values_list("member_id", flat=True)
    )
    year_end = datetime.date(fiscal_year + 1, 3, 31)
    roll = DuesRoll(fiscal_year=fiscal_year)
    members = Member.objects.values_list("pk", "member_number", "status", "joined_on").order_by("member_number")
    for pk, number, status, joined_on in members.iterator(chunk_size=5000):
        if pk in billed:
            reason = "請求済"
        elif status not in rules:
            reason = f"{Member.Status(status).label}(会費設定なし)"
        elif joined_on and joined_on > year_end:
            reason = "年度末より後の入会"
        else:
            roll.to_bill.append((pk, rules[status], status))
            continue
        roll.skipped[reason] = roll.skipped.get(reason, 0) + 1
        examples = roll.skipped_examples.setdefault(reason, [])
        if len(examples) < 5:
            examples.append(number)
    return roll


def generate_dues(*, fiscal_year, batch_size=2000, progress=None):
    """Bill ``fiscal_year``'s dues to everyone who owes them. Idempotent: nobody is billed twice.

    The unique (member, subject) constraint makes a repeated, concurrent or interrupted run
    harmless, so each batch commits on its own and ``progress(done, total)`` (if given) can
    report between batches; ``created`` counts only the rows this run inserted.
    """
    roll = plan_dues(fiscal_year=fiscal_year)
    subject = dues_subject(fiscal_year)
    before = Invoice.objects.filter(subject=subject).count()
    for start in range(0, len(roll.to_bill), batch_size):
        batch = roll.to_bill[start : start + batch_size]
        with transaction.atomic():
            Invoice.objects.bulk_create(
                [
                    Invoice(
                        member_id=member_id,
                        category=Invoice.Category.DUES,
                        fiscal_year=fiscal_year,
                        subject=subject,
                        amount=amount,
                        member_status_at_billing=status,
                    )
                    for member_id, amount, status in batch
                ],
                ignore_conflicts=True,
            )
        if progress is not None:
            progress(start + len(batch), len(roll.to_bill))
    roll.created = Invoice.objects.filter(subject=subject).count() - before
    return roll


def run_dues_generation(*, run_id):
    """The background side of 会費の一括請求: bill, reporting progress on the DuesRun row."""
    run = DuesRun.objects.get(pk=run_id)
    DuesRun.objects.filter(pk=run_id).update(state=DuesRun.State.RUNNING)

    def progress(done, total):
        DuesRun.objects.filter(pk=run_id).update(done=done, total=total)

    try:
        roll = generate_dues(fiscal_year=run.fiscal_year, progress=progress)
    except Exception as error:
        DuesRun.objects.filter(pk=run_id).update(
            state=DuesRun.State.FAILED, error=str(error)[:300], finished_at=timezone.now()
        )
        raise
    DuesRun.objects.filter(pk=run_id).update(
        state=DuesRun.State.DONE, done=roll.count, total=roll.count, created=roll.created,
        total_yen=roll.total_yen, finished_at=timezone.now(),
    )  # fmt: skip
    _schedule_auto_charges(fiscal_year=run.fiscal_year, user=run.requested_by)
    return roll


def _schedule_auto_charges(*, fiscal_year, user):
    """自動継続: the new invoices of members with a card on file are charged (auto_charges)."""
    from .auto_charges import schedule_auto_charges  # auto_charges imports invoices, which imports dues

    schedule_auto_charges(fiscal_year=fiscal_year, user=user)


@transaction.atomic
def bill_dues(*, fiscal_year, user):
    """会費の一括請求: bill ``fiscal_year``'s dues now, or start a background run for a large roll.

    Returns ``(roll, None)`` when billed now, ``(None, run)`` when the ``DuesRun`` was started
    (its task is queued with this transaction). Each of the year's dues rules gets a history
    entry by ``user``. Refused (``BillingError``) when the year has no dues rule.
    """
    rules = list(DuesRule.objects.filter(fiscal_year=fiscal_year))
    if not rules:
        raise BillingError(f"{fiscal_year}年度の会費設定がありません。先に会費設定を登録してください。")
    if plan_dues(fiscal_year=fiscal_year).count > LARGE_ROLL:
        run = DuesRun.objects.create(fiscal_year=fiscal_year, requested_by=user)
        for rule in rules:
            data = {"fiscal_year": fiscal_year, "amount": rule.amount, "background_run": run.pk}
            log(instance=rule, action=DUES_GENERATED_ACTION, user=user, uuid=uuid.uuid4(), data=data)
        enqueue_with_transaction(run_dues_generation_task, run_id=run.pk)
        return None, run
    roll = generate_dues(fiscal_year=fiscal_year)
    _schedule_auto_charges(fiscal_year=fiscal_year, user=user)
    per_status = roll.per_status()
    for rule in rules:
        log(
            instance=rule,
            action=DUES_GENERATED_ACTION,
            user=user,
            uuid=uuid.uuid4(),  # one request logs several rules; each keeps its entry
            data={
                "fiscal_year": fiscal_year,
                "billed": per_status[rule.member_status],
                "amount": rule.amount,
                "created": roll.created,
                "total_yen": roll.total_yen,
                "skipped": roll.skipped,
            },
        )
    return roll, None
