"""参加申込 (registration) and 取消 (cancellation): the rules, in one transaction each.

``register`` locks the session row first (``select_for_update``), so that two members taking
the last seat at once are serialised and the capacity holds; the partial unique constraint
``registration_one_live_per_member`` backs the one-live-registration-per-member rule. A fee
(the members' fee, or the non-members' fee for a guest: ``Session.fee_for``) becomes a 参加費 invoice (``membership.billing.invoices.create_invoice``) paid through the
ordinary payment flow; cancelling an unpaid registration cancels that invoice through
``membership.billing.invoices.close_invoice``. Lock order: session, registration, then billing's own
order (payments before their invoice), which never locks a registration.

Views call these and show ``RegistrationError``'s message; they never write these rows.
"""

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from core.dates import fiscal_year_of
from core.errors import DomainError
from membership.billing.errors import BillingError
from membership.billing.invoices import close_invoice, create_invoice
from membership.models import Invoice, Member, Payment

from .models import Registration, Session

CANCEL_REASON = "参加申込の取消"


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


def upcoming_registrations(*, member, today, limit):
    """The member's next seminars: live registrations not attended yet whose session is today
    or later (a session without its own date lasts as long as its seminar), soonest first,
    with the session, seminar and fee invoice; at most ``limit`` rows, one query."""
    still_to_come = Q(session__held_on__gte=today) | Q(session__held_on=None, session__seminar__ends_on__gte=today)
    return list(
        Registration.objects.filter(still_to_come, member=member, state=Registration.State.APPLIED, attended_at=None)
        .select_related("session__seminar", "invoice")
        .order_by(Coalesce("session__held_on", "session__seminar__starts_on"), "session__sort_order", "pk")[:limit]
    )


def registration_refusal(*, member, session, today=None, live_count=None, registered=None, at_desk=False):
    """Why ``member`` cannot apply for ``session`` now (a Japanese sentence), or None.

    ``live_count`` / ``registered`` may be passed when already known (the list page annotates
    them); otherwise they are counted here. ``at_desk``: registered by the check-in desk on the
    day (``renewal.checkin``), past the application period.
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
    if today > seminar.application_closes_on and not at_desk:
        return "申込受付期間は終了しました。"
    if not member.is_guest and not session.members_allowed:
        return "このセッションは会員の方の受講を受け付けていません。"
    if not allowed_formats(seminar):
        return "この学会・セミナーには選べる参加形態がありません。事務局へお問い合わせください。"
    if registered is None:
        registered = live_registrations(session).filter(member=member).exists()
    if registered:
        return "このセッションにはすでにお申し込みいただいています。"
    if session.capacity is not None:
        if live_count is None:
            live_count = live_registrations(session).count()
        if live_count >= session.capacity:
            return "定員に達したため、お申し込みいただけません。"
    return None


def next_ticket_number(session):
    """受講票番号 ``S<session id>-<sequence>`` (S12-0003), unique; call with the session row locked."""
    sequence = Registration.objects.filter(session=session).count() + 1
    while True:
        number = f"S{session.pk}-{sequence:04d}"
        if not Registration.objects.filter(ticket_number=number).exists():
            return number
        sequence += 1


def fee_purpose(seminar):
    """但し書き of the fee's receipt: 「第91回日本消化器内視鏡技師学会 参加費として」 (at most 100 characters)."""
    suffix = " 参加費として"
    return f"{seminar.title[: 100 - len(suffix)]}{suffix}"


@transaction.atomic
def register(*, member, session, participation_format, today=None, at_desk=False):
    """申込する: the member's registration for ``session``, with a ticket number and, when the
    fee that applies to the member (``Session.fee_for``) is not zero, its 参加費 invoice. Raises RegistrationError."""
    today = today or timezone.localdate()
    # The session row is the lock that serialises the seats of this session.
    session = Session.objects.select_for_update(of=("self",)).select_related("seminar").get(pk=session.pk)
    refusal = registration_refusal(member=member, session=session, today=today, at_desk=at_desk)
    if refusal:
        raise RegistrationError(refusal)
    if participation_format not in allowed_formats(session.seminar):
        raise RegistrationError("参加形態を選択してください。")
    try:
        with transaction.atomic():
            registration = Registration.objects.create(
                session=session,
                member=member,
                participation_format=participation_format,
                ticket_number=next_ticket_number(session),
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
        registration.save(update_fields=["invoice"])
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
    registration = (
        Registration.objects.select_for_update(of=("self",))
        .select_related("session__seminar", "invoice")
        .filter(pk=registration_id, member=member)
        .first()
    )
    if registration is None:
        raise RegistrationError("参加申込が見つかりません。")
    refusal = cancel_refusal(registration, today=today)
    if refusal:
        raise RegistrationError(refusal)
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
            close_invoice(invoice_id=invoice.pk, status=Invoice.Status.CANCELLED, reason=CANCEL_REASON)
        except BillingError as error:
            raise RegistrationError(str(error)) from error
    registration.state = Registration.State.CANCELLED
    registration.cancelled_at = timezone.now()
    registration.save(update_fields=["state", "cancelled_at"])
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
