"""自動継続: charging a fiscal year's dues to the cards on file, once each.

- ``schedule_auto_charges``: when the secretariat bills a year's dues (``dues.bill_dues``), the
  unpaid dues invoices of members with automatic payment get an ``AutoCharge`` each, the
  members are mailed what will be charged, when, and how to stop it (``AUTOPAY_NOTICE_DAYS``
  ahead), and the year's ``AutoChargeRun`` is queued for that day;
- ``run_auto_charges``: the background side (``tasks.run_auto_charges_task``, or
  ``manage.py run_auto_charges`` on the day), with progress on the run;
- ``charge_invoice``: one charge. Idempotent: the order id is derived from the invoice, so a
  repeated or doubled run asks the gateway about the same order and never opens a second one.
  EntryTran + ExecTran with the member's card, then the trade-status query, applied under the
  attempt's row lock as a notification is (``notifications._apply_trade``, which pays through
  the paid-invoice rule). A declined or expired card: the order is voided at the gateway, the
  attempt fails, the invoice stays unpaid and the member is mailed.
"""

import datetime
import logging
import threading
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone
from django_tasks_db.backend import DatabaseBackend
from wagtail.log_actions import log

from core.outbox import enqueue_with_transaction

from .. import gateway, gateway_autopay
from ..models import AutoCharge, AutoChargeRun, AutoPay, Invoice, Payment
from .attempts import void_at_gateway
from .notifications import NOTHING_NOTIFIED, _apply_trade
from .sql import db_now as _now
from .sql import table as _table
from .tasks import run_auto_charges_task, send_auto_charge_declined_mail, send_autopay_notices_task

logger = logging.getLogger(__name__)

AUTO_CHARGES_SCHEDULED_ACTION = "membership.autopay.charges_scheduled"
CHARGE_HOUR = datetime.time(9, tzinfo=ZoneInfo("Asia/Tokyo"))  # a run queued for a later day starts then
WORKERS = 8  # charges in flight at once (each waits on the gateway most of the time)
PROGRESS_EVERY = 25

State = AutoCharge.State


def order_id_for(invoice):
    """The order id of an invoice's automatic charge: the same every time it is charged."""
    return f"A{invoice.fiscal_year}-{invoice.pk:010d}"


@transaction.atomic
def schedule_auto_charges(*, fiscal_year, user=None):
    """Give the year's unpaid dues of members with automatic payment an ``AutoCharge`` each (once),
    mail those members, and queue the year's run. Returns the ``AutoChargeRun`` (None if nobody)."""
    invoice_ids = list(
        Invoice.objects.filter(
            category=Invoice.Category.DUES, fiscal_year=fiscal_year, status=Invoice.Status.UNPAID,
            member__autopay__state=AutoPay.State.ACTIVE, auto_charge__isnull=True,
        ).order_by("pk").values_list("pk", flat=True)
    )  # fmt: skip
    run = AutoChargeRun.objects.select_for_update().filter(fiscal_year=fiscal_year).first()
    if not invoice_ids:
        return run
    charge_on = timezone.localdate() + datetime.timedelta(days=settings.AUTOPAY_NOTICE_DAYS)
    if run is None:
        run = AutoChargeRun.objects.create(fiscal_year=fiscal_year, charge_on=charge_on, requested_by=user)
    else:
        run.charge_on, run.state, run.finished_at = max(run.charge_on, charge_on), AutoChargeRun.State.SCHEDULED, None
    AutoCharge.objects.bulk_create([AutoCharge(invoice_id=pk, run=run) for pk in invoice_ids], ignore_conflicts=True)
    run.total = run.charges.count()
    run.noticed += len(invoice_ids)
    run.save()
    log(instance=run, action=AUTO_CHARGES_SCHEDULED_ACTION, user=user,
        data={"fiscal_year": fiscal_year, "scheduled": len(invoice_ids), "charge_on": run.charge_on.isoformat()})  # fmt: skip
    enqueue_with_transaction(send_autopay_notices_task, run_id=run.pk, invoice_ids=invoice_ids)
    _queue_run(run)
    return run


def _queue_run(run):
    """Charge today's run now (after the commit); a later day's when its day comes: with the
    database task backend a task deferred to that morning, otherwise ``manage.py run_auto_charges``."""
    if run.charge_on <= timezone.localdate():
        enqueue_with_transaction(run_auto_charges_task, run_id=run.pk)
    elif isinstance(run_auto_charges_task.get_backend(), DatabaseBackend):
        start = datetime.datetime.combine(run.charge_on, CHARGE_HOUR)
        run_auto_charges_task.using(run_after=start).enqueue(run_id=run.pk)


def due_runs(*, today=None):
    """Runs whose day has come and that still have charges to make (for ``manage.py run_auto_charges``)."""
    today = today or timezone.localdate()
    pending = AutoCharge.objects.filter(state__in=(State.SCHEDULED, State.CHARGING)).values("run_id")
    return list(AutoChargeRun.objects.filter(charge_on__lte=today, pk__in=pending).values_list("pk", flat=True))


def run_auto_charges(*, run_id, workers=None, today=None):
    """Make the run's pending charges (those already made are left alone), reporting progress.

    Returns the run, or None when its day has not come. ``workers`` charges are in flight at once
    (threads, each with its own database connection); one on SQLite, or when called inside a
    transaction, whose rows other connections could not see.
    """
    today = today or timezone.localdate()
    now = timezone.now()
    runs = AutoChargeRun.objects.filter(pk=run_id, charge_on__lte=today)
    if not runs.update(state=AutoChargeRun.State.RUNNING, started_at=now, finished_at=None, error=""):
        return None
    pending = list(
        AutoCharge.objects.filter(run_id=run_id, state__in=(State.SCHEDULED, State.CHARGING))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    # SQLite (development) takes one writer at a time: one charge after another there.
    workers = 1 if connection.in_atomic_block or connection.vendor == "sqlite" else (workers or WORKERS)
    try:
        if workers == 1 or len(pending) < 2:
            _charge_all(run_id, pending)
        else:
            threads = [threading.Thread(target=_charge_all, args=(run_id, pending[i::workers]), kwargs={"thread": True})
                       for i in range(workers)]  # fmt: skip
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
    except Exception as error:
        runs.update(state=AutoChargeRun.State.FAILED, error=str(error)[:300], finished_at=timezone.now())
        raise
    _update_progress(run_id, state=AutoChargeRun.State.DONE, finished_at=timezone.now())
    return AutoChargeRun.objects.get(pk=run_id)


def _charge_all(run_id, charge_ids, thread=False):
    try:
        for index, charge_id in enumerate(charge_ids, 1):
            charge_invoice(charge_id=charge_id)
            if index % PROGRESS_EVERY == 0:
                _update_progress(run_id)
    finally:
        if thread:
            connection.close()


def _update_progress(run_id, **fields):
    counts = dict(AutoCharge.objects.filter(run_id=run_id).values_list("state").annotate(n=Count("pk")).order_by())
    AutoChargeRun.objects.filter(pk=run_id).update(
        total=sum(counts.values()),
        done=sum(n for state, n in counts.items() if state not in (State.SCHEDULED, State.CHARGING)),
        charged=counts.get(State.PAID, 0),
        declined=counts.get(State.DECLINED, 0),
        **fields,
    )


def charge_invoice(*, charge_id):
    """Charge one invoice to the member's card, at most once; returns the charge's state.

    A charge the gateway could not be asked about stays 処理中 and is resumed by the next run.
    """
    prepared = _prepare(charge_id)
    if isinstance(prepared, str):
        return prepared
    payment, member_id, card_seq, resumed = prepared
    try:
        refused = _execute(payment, member_id, card_seq, resumed=resumed)
        return _settle(charge_id, payment, refused)
    except gateway.GatewayError as error:
        logger.warning("automatic charge %s: %s", charge_id, error)
        AutoCharge.objects.filter(pk=charge_id).update(detail=f"決済会社に確認できませんでした: {error}"[:200])
        return State.CHARGING


@transaction.atomic
def _prepare(charge_id):
    """Lock the invoice and the charge; open the charge's attempt (once). The attempt and what the
    gateway needs, or the charge's final state when there is nothing to do."""
    # The lock order (invoices.lock_invoice): the invoice's open attempts, then the invoice.
    open_attempts = list(
        Payment.objects.select_for_update(of=("self",))
        .filter(invoice__auto_charge=charge_id, status__in=Payment.OPEN_STATUSES).values_list("pk", flat=True)
    )  # fmt: skip
    # The invoice with the member's card on file (read, not locked), then the charge.
    invoice = (
        Invoice.objects.select_for_update(of=("self",)).select_related("member__autopay")
        .only("status", "amount", "fiscal_year", "member__autopay__gateway_member_id",
              "member__autopay__card_seq", "member__autopay__state")
        .get(auto_charge=charge_id)
    )  # fmt: skip
    autopay = getattr(invoice.member, "autopay", None)
    member_id, card_seq = (autopay.gateway_member_id, autopay.card_seq) if autopay else ("", "")
    charge = AutoCharge.objects.select_for_update().only("state", "payment_id").get(pk=charge_id)
    if charge.state == State.CHARGING:
        return Payment.objects.get(pk=charge.payment_id), member_id, card_seq, True
    if charge.state != State.SCHEDULED:
        return charge.state
    if invoice.status != Invoice.Status.UNPAID:
        return _skip(charge, f"請求は{invoice.get_status_display()}です")
    if autopay is None or autopay.state != AutoPay.State.ACTIVE:
        return _skip(charge, "自動払いが停止されました")
    if open_attempts:
        return _skip(charge, "会員がお支払い手続き中です")
    payment = Payment.objects.create(
        invoice=invoice, method=Payment.Method.CARD, order_id=order_id_for(invoice), amount=invoice.amount
    )
    charge.payment, charge.state = payment, State.CHARGING
    charge.save(update_fields=["payment", "state", "updated_at"])
    return payment, member_id, card_seq, False


def _skip(charge, detail):
    charge.state, charge.detail = State.SKIPPED, detail
    charge.save(update_fields=["state", "detail", "updated_at"])
    return charge.state


def _execute(payment, member_id, card_seq, *, resumed):
    """EntryTran + ExecTran for the attempt's order, unless the gateway has it already past the
    checkout. Returns the ``CardRefused`` of a declined card, else None (the query tells the rest)."""
    access = None
    if resumed:
        try:
            trade = gateway.search_trade(order_id=payment.order_id, method=Payment.Method.CARD)
        except gateway.UnknownOrder:
            trade = None
        if trade is not None:
            if trade.status != "UNPROCESSED":
                return None
            access = (trade.access_id, trade.access_pass)
    if access is None:
        access = gateway_autopay.entry_tran(order_id=payment.order_id, amount=payment.amount)
        if access is None:  # a trade exists after all (a doubled run): the query decides
            return None
    try:
        gateway_autopay.exec_tran(access_id=access[0], access_pass=access[1], order_id=payment.order_id,
                                  member_id=member_id, card_seq=card_seq)  # fmt: skip
    except gateway_autopay.CardRefused as refused:
        return refused
    return None


def _settle(charge_id, payment, refused):
    """Ask the gateway about the order and apply its answer; a declined card closes the attempt."""
    trade = gateway.search_trade(order_id=payment.order_id, method=Payment.Method.CARD)
    with transaction.atomic():
        _outcome, _detail, *last_step = _apply_trade(payment_id=payment.pk, trade=trade, notified=NOTHING_NOTIFIED)
        if last_step:  # the attempt, its invoice and the charge paid in one statement
            (mark_paid,) = last_step
            mark_paid(also=[_paid_statement(charge_id)])
            return State.PAID
        payment = Payment.objects.get(pk=payment.pk)  # locked by _apply_trade
        charging = AutoCharge.objects.filter(pk=charge_id, state=State.CHARGING)
        if payment.status == Payment.Status.PAID:
            charging.update(state=State.PAID, detail="引き落としました", updated_at=timezone.now())
            return State.PAID
        charge = charging.select_for_update().first()
        if charge is None:
            return AutoCharge.objects.values_list("state", flat=True).get(pk=charge_id)
        if payment.is_open and refused is not None:
            if void_at_gateway(payment) is not None:  # paid a moment ago: the next run settles it
                return charge.state
            payment.status = Payment.Status.FAILED
            payment.error_code, payment.error_info = refused.code[:100], refused.info[:200]
            payment.save(update_fields=["status", "error_code", "error_info", "updated_at"])
            charge.state, charge.error_code = State.DECLINED, refused.code[:100]
            charge.detail = f"カードが承認されませんでした({refused.code})"
            enqueue_with_transaction(send_auto_charge_declined_mail, charge_id=charge.pk)
        elif not payment.is_open:
            charge.state, charge.detail = State.SKIPPED, f"決済は{payment.get_status_display()}です"
        else:
            charge.detail = f"照会結果 {trade.status}: 次回の実行で確認します"
        charge.save(update_fields=["state", "error_code", "detail", "updated_at"])
        return charge.state


def _paid_statement(charge_id):
    """The charge's UPDATE to 引き落とし済, run with the paid-invoice rule's statement."""
    return (
        f"UPDATE {_table(AutoCharge)} SET state = %s, detail = %s, updated_at = %s WHERE id = %s AND state = %s",
        [State.PAID, "引き落としました", _now(), charge_id, State.CHARGING],
    )
