"""Dues reminders (督促メール): one mail per member with unpaid dues, at most once in a while.

- ``plan_dues_reminders``: the preview (who would be mailed, in one query);
- ``request_dues_reminders``: staff press the button in the admin: checked under a lock and
  queued once (``tasks.send_dues_reminders_task``), or refused with the reason;
- ``send_dues_reminders``: the task's work: mark the invoices, write their history, queue the mails.
"""

import datetime
import itertools
import uuid
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import DatabaseError, connection, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult
from wagtail.models import ModelLogEntry

from core.outbox import enqueue_with_transaction, queue_mail

from ..mail import mail_subject
from ..models import Invoice
from .errors import BillingError
from .tasks import send_dues_reminders_task

REMINDER_LOG_ACTION = "membership.invoice.reminded"

# A 督促メール is refused while any invoice it would mention was reminded less than this long
# ago (a double click, or two staff at once), so that nobody gets the same mail twice.
REMINDER_GUARD = datetime.timedelta(minutes=10)
# PostgreSQL advisory lock that lets only one 督促メール request check and queue at a time.
REMINDER_LOCK_KEY = 4_711_001
BUSY_REMINDER_MESSAGE = (
    "他の督促メールの送信の受付と重なったため、送信しませんでした。"
    "画面を再読み込みして、前回の督促の日時をご確認ください。"
)


@dataclass
class ReminderLetter:
    """One reminder mail: a member and every unpaid dues invoice it mentions."""

    member_id: int
    member_number: str
    name: str
    email: str
    invoices: list = field(default_factory=list)  # (invoice_id, fiscal_year, amount)

    @property
    def total_yen(self):
        return sum(amount for _, _, amount in self.invoices)

    @property
    def years(self):
        return [year for _, year, _ in self.invoices]


@dataclass
class ReminderPlan:
    """Who a dues reminder would go to (the preview) or went to."""

    fiscal_year: int | None
    letters: list = field(default_factory=list)  # ReminderLetter, members with an e-mail address
    without_email: list = field(default_factory=list)  # ReminderLetter, members who cannot be mailed
    last_reminded_at: datetime.datetime | None = None  # latest reminder among the mentioned invoices

    @property
    def member_count(self):
        return len(self.letters)

    @property
    def invoice_count(self):
        return sum(len(letter.invoices) for letter in self.letters)

    @property
    def total_yen(self):
        return sum(letter.total_yen for letter in self.letters)

    @property
    def by_year(self):
        """[(fiscal_year, invoices, yen)] over the letters, oldest year first."""
        years = {}
        for letter in self.letters:
            for _, year, amount in letter.invoices:
                count, yen = years.get(year, (0, 0))
                years[year] = (count + 1, yen + amount)
        return [(year, count, yen) for year, (count, yen) in sorted(years.items())]


def plan_dues_reminders(*, fiscal_year=None):
    """Preview of a dues reminder: one letter per member with unpaid dues, in ONE query.

    ``fiscal_year`` chooses the members (those with unpaid dues of that year; ``None``: any
    year); each letter lists all of that member's unpaid dues, so nobody is reminded of one
    year and left unaware of another.
    """
    unpaid = Invoice.objects.filter(category=Invoice.Category.DUES, status=Invoice.Status.UNPAID)
    rows = unpaid
    if fiscal_year is not None:
        rows = unpaid.filter(member_id__in=unpaid.filter(fiscal_year=fiscal_year).values("member_id"))
    rows = rows.order_by("member__member_number", "fiscal_year", "pk").values_list(
        "pk",
        "fiscal_year",
        "amount",
        "last_reminded_at",
        "member_id",
        "member__member_number",
        "member__family_name",
        "member__given_name",
        "member__user__email",
    )
    plan = ReminderPlan(fiscal_year=fiscal_year)
    letter = None
    for pk, year, amount, reminded_at, member_id, number, family, given, email in rows.iterator(chunk_size=5000):
        if letter is None or letter.member_id != member_id:
            letter = ReminderLetter(member_id=member_id, member_number=number, name=f"{family} {given}", email=email)
            (plan.letters if email else plan.without_email).append(letter)
        letter.invoices.append((pk, year, amount))
        if email and reminded_at and (plan.last_reminded_at is None or reminded_at > plan.last_reminded_at):
            plan.last_reminded_at = reminded_at
    return plan


def send_dues_reminders(*, fiscal_year=None, user_id=None, batch_size=500):
    """督促: mail every member with unpaid dues (see ``plan_dues_reminders``) once.

    Marks the mentioned invoices ``last_reminded_at``, writes one history entry per invoice
    (``membership.invoice.reminded``, by ``user_id``) and queues one mail per member through
    ``core.outbox`` (sent exactly when the transaction commits). Members without an e-mail
    address are left out (and not marked).
    """
    plan = plan_dues_reminders(fiscal_year=fiscal_year)
    now = timezone.now()
    content_type = ContentType.objects.get_for_model(Invoice)
    with transaction.atomic():
        ids = [pk for letter in plan.letters for pk, _, _ in letter.invoices]
        for start in range(0, len(ids), batch_size):
            Invoice.objects.filter(pk__in=ids[start : start + batch_size], status=Invoice.Status.UNPAID).update(
                last_reminded_at=now
            )
        # Wagtail's log() writes one row per call; a reminder round can mention tens of
        # thousands of invoices, so the same history rows are written in batches.
        entries = (
            ModelLogEntry(
                content_type=content_type,
                object_id=str(pk),
                label=f"{letter.member_number} {year}年度 会費 {amount:,}円",
                action=REMINDER_LOG_ACTION,
                data={"to": letter.email, "fiscal_years": letter.years, "filter_fiscal_year": fiscal_year},
                timestamp=now,
                uuid=uuid.uuid4(),  # Wagtail's history shows one entry per uuid and action
                user_id=user_id,
            )
            for letter in plan.letters
            for pk, year, amount in letter.invoices
        )
        while batch := list(itertools.islice(entries, batch_size)):
            ModelLogEntry.objects.bulk_create(batch)
        _queue_reminder_mails(plan.letters)
    return plan


def _queue_reminder_mails(letters):
    dues_url = f"{settings.SITE_URL}{reverse('member:dues')}"
    subject = mail_subject("年会費お支払いのお願い")
    for letter in letters:
        body = render_to_string(
            "membership/mail/dues_reminder.txt",
            {
                "name": letter.name,
                "invoices": [{"fiscal_year": year, "amount": amount} for _, year, amount in letter.invoices],
                "total": letter.total_yen,
                "dues_url": dues_url,
            },
        )
        queue_mail(subject=subject, body=body, to=[letter.email])


@transaction.atomic
def request_dues_reminders(*, fiscal_year=None, user):
    """督促メール as staff ask for it: queue ``send_dues_reminders_task`` once, or refuse.

    One request at a time checks and queues (the second of a double click waits for the first
    to commit its queued task, then sees it). Refused (``BillingError``, the reason for the
    staff) while another request holds the lock, while a reminder task has not finished, or
    while an invoice it would mention was reminded less than ``REMINDER_GUARD`` ago. The task
    is queued with this transaction (``core.outbox``); it writes the history as ``user``.
    """
    if not _lock_reminders():
        raise BillingError(BUSY_REMINDER_MESSAGE)
    plan = plan_dues_reminders(fiscal_year=fiscal_year)
    refusal = _refusal(plan)
    if refusal:
        raise BillingError(refusal)
    enqueue_with_transaction(send_dues_reminders_task, fiscal_year=fiscal_year, user_id=user.pk)
    return plan


def _refusal(plan):
    """Why this reminder must not be sent now (a warning for the staff), or None."""
    # Queued but not finished yet (the database task backend; the immediate one has run it).
    pending = (
        DBTaskResult.objects.filter(
            task_path=send_dues_reminders_task.module_path,
            status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING],
        )
        .order_by("-enqueued_at")
        .first()
    )
    if pending is not None:
        return (
            f"{timezone.localtime(pending.enqueued_at):%H:%M}に開始した督促メールの送信がまだ終わっていないため、"
            "送信しませんでした(同じ会員に二度送らないためです)。しばらくしてから画面を再読み込みして、"
            "前回の督促の日時をご確認ください。"
        )
    if plan.last_reminded_at and plan.last_reminded_at > timezone.now() - REMINDER_GUARD:
        return (
            f"{timezone.localtime(plan.last_reminded_at):%H:%M}に督促メールを送ったばかりのため、送信しませんでした"
            f"(同じ会員に二度送らないよう、前回の督促から{REMINDER_GUARD.seconds // 60}分間は送れません)。"
        )
    return None


def _lock_reminders():
    """Take the 督促メール lock for this transaction (PostgreSQL); False if it is not free in time.

    The wait is bounded by the connection's lock_timeout (settings.py). Other databases
    (SQLite in development) take no lock.
    """
    if connection.vendor != "postgresql":
        return True
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [REMINDER_LOCK_KEY])
    except DatabaseError:
        return False
    return True
