"""参加申込 (registration) and 取消 (cancellation): the rules, in one transaction each.

``register`` locks the session row (``select_for_update``) before it counts the seats, so that
two members taking the last seat at once are serialised and the capacity holds; the partial unique constraint
``registration_one_live_per_member`` backs the one-live-registration-per-member rule. A fee
(the members' fee, or the non-members' fee for a guest: ``Session.fee_for``) becomes a 参加費 invoice (``membership.billing.invoices.create_invoice``) paid through the
ordinary payment flow; cancelling an unpaid registration cancels that invoice through
``membership.billing.invoices.close_invoice``. Lock order: session, registration, then billing's own
order (payments before their invoice), which never locks a registration. ``register`` writes its
new rows (unseen by others until it commits) before it takes the session lock, last.

A seat offered to the first in a session's waiting list (``renewal.waiting_list``) is held
until the offer is answered or expires, and past its deadline while others wait (``renewal.seats``):
the capacity check counts it as taken for everyone but the member it was offered to. A cancellation, or an unpaid registration lapsing
(``lapse_unpaid_registration``), offers the freed seat onward in the same transaction
(``waiting_list.offer_next``, under the session lock taken first).

Views call these and show ``RegistrationError``'s message; they never write these rows.
"""

import datetime
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Exists
from django.db.models.functions import Coalesce
from django.db.models.lookups import GreaterThanOrEqual
from django.utils import timezone
from wagtail.log_actions import log

from core.dates import fiscal_year_of
from core.errors import DomainError
from membership.billing.errors import BillingError
from membership.billing.invoices import close_invoice, create_invoice
from membership.mail import mail_member
from membership.models import Invoice, Member, Payment

from . import waiting_list
from .models import Registration, Session
from .seats import seat_counts

CANCEL_REASON = "参加申込の取消"
LAPSE_REASON = "参加費未払いによる参加申込の失効"
LAPSED_ACTION = "renewal.registration.lapsed"
FULL_REFUSAL = "定員に達したため、お申し込みいただけません。"


class RegistrationError(DomainError):
    """A registration or cancellation the member asked for cannot be done; the message says why."""


def live_registrations(session):
    return Registration.objects.filter(session=session, state=Registration.State.APPLIED)


def allowed_formats(seminar):
    """参加形態 a member may choose: the seminar's formats (会場, eラーニング)."""
    formats = []
    if seminar.onsite:
        formats.append(Registration.Format.ONSITE)
    if seminar.elearning:
        formats.append(Registration.Format.ELEARNING)
    return formats


def member_refusal(member):
    """Why a member (not a guest) cannot apply for any session now, or None: only 正会員 may."""
    if not member.is_guest and member.status != Member.Status.ACTIVE:
        return f"正会員の方のみお申し込みいただけます(現在の会員ステータス: {member.get_status_display()})。"
    return None


@dataclass(frozen=True)
class UpcomingSeminar:
    """One of the member's next seminars, as the dashboard lists it."""

    date: datetime.date
    seminar_title: str
    session_title: str
    format_label: str
    venue: str
    points: int
    invoice_id: int | None


def upcoming_registrations(*, member, today, limit):
    """The member's next seminars: live registrations not attended yet whose session is today
    or later (a session without its own date lasts as long as its seminar), soonest first, as
    UpcomingSeminar rows; at most ``limit`` rows, one query (plain values: no model instances)."""
    session_date = Coalesce("session__held_on", "session__seminar__starts_on")
    rows = (
        Registration.objects.filter(
            GreaterThanOrEqual(Coalesce("session__held_on", "session__seminar__ends_on"), today),
            member_id=member.pk,
            state=Registration.State.APPLIED,
            attended_at=None,
        )
        .order_by(session_date, "session__sort_order", "pk")
        .values_list(
            session_date,
            "session__seminar__title",
            "session__title",
            "participation_format",
            "session__seminar__venue",
            "session__points",
            "invoice_id",
        )[:limit]
    )
    formats = dict(Registration.Format.choices)
    return [
        UpcomingSeminar(date, seminar_title, session_title, formats.get(fmt, fmt), venue, points, invoice_id)
        for date, seminar_title, session_title, fmt, venue, points, invoice_id in rows
    ]


def registration_refusal(*, member, session, today=None, seats=None, offered=False, at_desk=False):
    """Why ``member`` cannot apply for ``session`` now (a Japanese sentence), or None.

    ``seats``: the session's ``seats.Seats`` for the member, when already read (the way to
    renewal reads them for all its sessions at once); otherwise they are read here when needed.
    ``offered``: the member accepts a seat offered from the waiting list, which may come after
    the application period closed (but before the seminar starts) and uses the held seat.
    ``at_desk``: registered by the check-in desk on the day (``renewal.checkin``), past the
    application period.
    """
    today = today or timezone.localdate()
    seminar = session.seminar
    if member.is_guest:
        if not session.guests_allowed:
            return "このセッションは会員の方のみお申し込みいただけます(非会員(ゲスト)の方は受講できません)。"
    elif refusal := member_refusal(member):
        return refusal
    if not seminar.published:
        return "この学会・セミナーは公開されていません。"
    if today < seminar.application_opens_on and not at_desk:
        return f"申込受付は{seminar.application_opens_on:%Y年%-m月%-d日}からです。"
    if offered:
        if today >= seminar.starts_on:
            return "開催日以降はお申し込みいただけません。"
    elif today > seminar.application_closes_on and not at_desk:
        return "申込受付期間は終了しました。"
    if not member.is_guest and not session.members_allowed:
        return "このセッションは会員の方の受講を受け付けていません。"
    if not allowed_formats(seminar):
        return "この学会・セミナーには選べる参加形態がありません。事務局へお問い合わせください。"
    seats = seats or seat_counts(session, member=member)
    if seats.registered:
        return "このセッションにはすでにお申し込みいただいています。"
    if seats.full(session.capacity):
        return FULL_REFUSAL
    return None


def next_ticket_number(session, *, taken=None):
    """受講票番号 ``S<session id>-<sequence>`` (S12-0003), unique; call with the session row locked.
    ``taken``: the session's registrations (all states) when already counted."""
    if taken is None:
        taken = Registration.objects.filter(session=session).count()
    sequence = taken + 1
    while True:
        number = f"S{session.pk}-{sequence:04d}"
        if not Registration.objects.filter(ticket_number=number).exists():
            return number
        sequence += 1


def fee_purpose(seminar):
    """但し書き of the fee's receipt: 「第91回日本消化器内視鏡技師学会 参加費として」 (at most 100 characters)."""
    suffix = " 参加費として"
    return f"{seminar.title[: 100 - len(suffix)]}{suffix}"


def lock_session(session_id):
    """The session row locked: the lock that serialises the seats (and the offers) of a session."""
    return Session.objects.select_for_update(of=("self",)).select_related("seminar").get(pk=session_id)


@transaction.atomic
def register(*, member, session, participation_format, today=None, offered=False, at_desk=False):
    """申込する: the member's registration for ``session``, with a ticket number and, when the
    fee that applies to the member (``Session.fee_for``) is not zero, its 参加費 invoice. Raises RegistrationError.

    ``offered``: accepting a seat offered from the waiting list (``waiting_list.accept``): the
    member's offer must still be open under the session lock. Whichever way a member on the
    session's waiting list registers, their entry is closed with the registration
    (``waiting_list.settle_on_registration``): an offer never holds a second seat for them.

    The session lock is taken last, once the registration and its invoice are written, so that
    it is held only for the seat count and the ticket number (many members applying at once
    queue on it for a few statements, not for the whole application). The registration is not
    visible to others before the commit; under the lock the count includes it, and a seat taken
    meanwhile rolls everything back with the 定員 refusal.
    """
    today = today or timezone.localdate()
    session = Session.objects.select_related("seminar").get(pk=session.pk)
    refusal = registration_refusal(member=member, session=session, today=today, offered=offered, at_desk=at_desk)
    if refusal:
        raise RegistrationError(refusal)
    if participation_format not in allowed_formats(session.seminar):
        raise RegistrationError("参加形態を選択してください。")
    try:
        # No savepoint: a refusal here rolls back this whole ``register`` (its own atomic block).
        with transaction.atomic(savepoint=False):
            registration = Registration.objects.create(
                session=session, member=member, participation_format=participation_format
            )
    except IntegrityError as error:  # registered meanwhile (another tab): the constraint says no
        raise RegistrationError("このセッションにはすでにお申し込みいただいています。") from error
    fee = session.fee_for(member)
    if fee > 0:
        registration.invoice = create_invoice(
            member=member,
            category=Invoice.Category.SEMINAR_FEE,
            fiscal_year=fiscal_year_of(session.date),
            subject=f"seminar:{registration.pk}",
            amount=fee,
            purpose=fee_purpose(session.seminar),
        )
    lock_session(session.pk)
    seats = seat_counts(session, member=member)
    if session.capacity is not None and seats.live + seats.held > session.capacity:  # ``live`` counts this one
        raise RegistrationError(FULL_REFUSAL)
    total = seats.total
    # The next number in one statement with its uniqueness check (the lock is held meanwhile);
    # taken already (registrations deleted by hand): the search of ``next_ticket_number``.
    number = f"S{session.pk}-{total:04d}"
    free = ~Exists(Registration.objects.filter(ticket_number=number))
    if not Registration.objects.filter(free, pk=registration.pk).update(
        ticket_number=number, invoice=registration.invoice
    ):
        number = next_ticket_number(session, taken=total - 1)
        Registration.objects.filter(pk=registration.pk).update(ticket_number=number, invoice=registration.invoice)
    registration.ticket_number = number
    if seats.waitlist_entry_id is not None or offered:
        waiting_list.settle_on_registration(session=session, registration=registration, offered=offered)
    return registration


def cancel_refusal(registration, *, today=None):
    """Why the member cannot cancel ``registration`` (a Japanese sentence), or None.

    Reads ``registration.session.seminar`` and ``registration.invoice`` (select them related).
    """
    today = today or timezone.localdate()
    if registration.state == Registration.State.CANCELLED:
        return "この参加申込はすでに取り消されています。"
    if registration.attended:
        return "参加済のため取り消せません。"
    if today >= registration.session.seminar.starts_on:
        return "開催日以降は取り消せません。事務局へお問い合わせください。"
    invoice = registration.invoice
    if invoice is not None and invoice.status == Invoice.Status.PAID:
        return "参加費のお支払いが済んでいるため、ここでは取り消せません。事務局へお問い合わせください。"
    return None


@transaction.atomic
def cancel_registration(*, member, registration_id, today=None):
    """取消: the member's own registration, before the seminar starts and while unpaid.

    The unpaid 参加費 invoice is cancelled with it (``billing.close_invoice``). An attempt still
    at the payment page must be left first (the payment page's 取消 asks the gateway whether it
    was paid after all); a convenience-store payment with numbers issued blocks the cancellation.
    """
    session_id = Registration.objects.filter(pk=registration_id, member=member).values_list("session_id").first()
    if session_id is None:
        raise RegistrationError("参加申込が見つかりません。")
    session = lock_session(session_id[0])  # lock order: the session, then the registration
    registration = (
        Registration.objects.select_for_update(of=("self",))
        .select_related("session__seminar", "invoice")
        .get(pk=registration_id)
    )
    refusal = cancel_refusal(registration, today=today)
    if refusal:
        raise RegistrationError(refusal)
    _withdraw(registration, reason=CANCEL_REASON)
    waiting_list.offer_next(session=session)
    return registration


def _withdraw(registration, *, reason):
    """Cancel a live registration and its unpaid fee invoice; the caller holds the session and registration locks."""
    invoice = registration.invoice
    if invoice is not None and invoice.status == Invoice.Status.UNPAID:
        open_payment = invoice.payments.filter(status__in=Payment.OPEN_STATUSES).first()
        if open_payment is not None and open_payment.status == Payment.Status.STARTED:
            raise RegistrationError(
                "参加費のお支払い手続き中です。お支払い手続きを取り消してから、もう一度お試しください。"
            )
        if open_payment is not None:
            raise RegistrationError(
                "コンビニでのお支払いをお待ちしているため取り消せません。事務局へお問い合わせください。"
            )
        try:
            close_invoice(invoice_id=invoice.pk, status=Invoice.Status.CANCELLED, reason=reason)
        except BillingError as error:
            raise RegistrationError(str(error)) from error
    registration.state = Registration.State.CANCELLED
    registration.cancelled_at = timezone.now()
    registration.save(update_fields=["state", "cancelled_at"])


def lapse_refusal(registration, *, now, hold_days):
    """Why ``registration`` does not lapse for its unpaid fee now, or None (reads its invoice and session)."""
    invoice = registration.invoice
    if registration.state != Registration.State.APPLIED or registration.attended:
        return "取消済または参加済です。"
    if invoice is None or invoice.status != Invoice.Status.UNPAID:
        return "参加費は未払いではありません。"
    if not hold_days or registration.applied_at > now - datetime.timedelta(days=hold_days):
        return "席の確保期間内です。"
    if timezone.localdate(now) >= registration.session.seminar.starts_on:
        return "開催日以降は取り消しません。"
    return None


@transaction.atomic
def lapse_unpaid_registration(*, registration_id, hold_days, now=None):
    """失効: a registration whose fee stayed unpaid for ``hold_days`` gives its seat back (the
    sweep calls this for sessions with people waiting). Its invoice is cancelled, the member is
    told by mail and the seat is offered to the next in line. Raises RegistrationError when it
    does not lapse (paid meanwhile, a payment in progress)."""
    now = now or timezone.now()
    session_id = Registration.objects.filter(pk=registration_id).values_list("session_id").first()
    if session_id is None:
        raise RegistrationError("参加申込が見つかりません。")
    session = lock_session(session_id[0])
    registration = (
        Registration.objects.select_for_update(of=("self",))
        .select_related("session__seminar", "invoice", "member__user")
        .get(pk=registration_id)
    )
    refusal = lapse_refusal(registration, now=now, hold_days=hold_days)
    if refusal:
        raise RegistrationError(refusal)
    _withdraw(registration, reason=LAPSE_REASON)
    log(instance=registration, action=LAPSED_ACTION, user=None, data={"hold_days": hold_days})
    mail_member(
        registration.member,
        template="renewal/mail/registration_lapsed.txt",
        subject="参加申込を取り消しました(参加費未払い)",
        context={"registration": registration, "session": session, "hold_days": hold_days},
    )
    waiting_list.offer_next(session=session, now=now)
    return registration


def ticket_refusal(registration):
    """Why the 受講票 cannot be issued yet (a Japanese sentence), or None. Cancelled ones are
    refused before this (not found)."""
    invoice = registration.invoice
    if invoice is not None and invoice.status == Invoice.Status.UNPAID:
        return "参加費のお支払いを確認した後に受講票を発行できます。"
    if invoice is not None and invoice.status == Invoice.Status.CANCELLED:
        return "参加費の請求が取り消されています。事務局へお問い合わせください。"
    return None
