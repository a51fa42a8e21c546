"""受付 (check-in at the desk): what a scanned or typed code finds, and marking it attended.

One request per scan (``scan``), idempotent by the code: the registration's ``attended_at`` is
the key, so a scan sent twice (a double tap, a retry after the network came back, the queue of
an offline phone) marks it once and then says when it was recorded. Marking goes through the
attendance rule's owner (``attendance.mark_attended``: row lock, re-check, the credit once, the
history entry). A fee still unpaid is received at the desk through billing's owner
(``record_manual_payment``, channel 窓口). A member card with no registration for the session
may be registered on the spot (``registrations.register(at_desk=True)``) as the settings allow
(``CheckinSettings.desk_registration``): free sessions, or also those with a fee taken at the desk.
Codes are read and their signatures checked in ``checkin_codes``.
"""

from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from wagtail.log_actions import log

from membership.billing.errors import BillingError
from membership.billing.payments import record_manual_payment
from membership.card import InvalidCardToken, member_of_current_token
from membership.models import Invoice

from . import attendance
from .checkin_codes import CARD, ForgedCode, UnknownCode, read_code
from .models import CheckinSettings, Registration, Session
from .registrations import RegistrationError, register, registration_refusal

PERMISSION = "renewal.check_in"
ADMIN_ACCESS = "wagtailadmin.access_admin"  # Wagtail's: the 受付 group has it and check_in only
DESK_REGISTERED_ACTION = "renewal.registration.desk_registered"

# What a scan asks for: look only, mark attended, also take the unpaid fee, register on the spot.
LOOK, ATTEND, COLLECT, REGISTER = "look", "attend", "collect", "register"
ACTIONS = (LOOK, ATTEND, COLLECT, REGISTER)
# What a scan found or did.
FOUND, ATTENDED, ALREADY, FEE_DUE, WALK_IN, REFUSED = "found", "attended", "already", "fee_due", "walk_in", "refused"


def can_check_in(user):
    """Who opens the desk: an active user with the admin's access and 受付 (the scan endpoint runs
    outside Wagtail's admin wrapper, so the admin's access is checked here too)."""
    return user.is_authenticated and user.is_active and user.has_perms([ADMIN_ACCESS, PERMISSION])


@dataclass
class Outcome:
    """What the desk shows for one scan: a status, a sentence, and who (when found)."""

    status: str
    message: str
    person: dict = field(default_factory=dict)
    registration_id: int | None = None


def todays_sessions(today=None):
    """Sessions held today (Asia/Tokyo): their own date, or their seminar's days; each with the
    desk's counts (``registered``, ``checked_in``, ``not_arrived``, as ``desk_counts``), one query."""
    today = today or timezone.localdate()
    held_today = Q(held_on=today) | Q(held_on=None, seminar__starts_on__lte=today, seminar__ends_on__gte=today)
    live = Q(registrations__state=Registration.State.APPLIED)
    sessions = list(
        Session.objects.filter(held_today)
        .select_related("seminar")
        .annotate(
            registered=Count("registrations", filter=live),
            checked_in=Count("registrations", filter=live & Q(registrations__attended_at__isnull=False)),
        )
        .order_by("seminar__title", "sort_order")
    )
    for session in sessions:
        session.not_arrived = session.registered - session.checked_in
    return sessions


def desk_counts(session):
    """{registered, checked_in, not_arrived} of ``session``'s live registrations (one query)."""
    counts = Registration.objects.filter(session=session, state=Registration.State.APPLIED).aggregate(
        registered=Count("pk"), checked_in=Count("pk", filter=Q(attended_at__isnull=False))
    )
    counts["not_arrived"] = counts["registered"] - counts["checked_in"]
    return counts


def not_arrived(session):
    """The live registrations of ``session`` not checked in yet, by furigana (one query)."""
    return list(
        Registration.objects.filter(session=session, state=Registration.State.APPLIED, attended_at=None)
        .select_related("member", "invoice")
        .order_by("member__family_name_kana", "member__given_name_kana", "pk")
    )


def fee_text(registration):
    invoice = registration.invoice
    if invoice is None:
        return "参加費なし"
    return f"{invoice.get_status_display()}({invoice.amount:,}円)"


def _person(member, session, registration=None):
    person = {
        "name": member.full_name,
        "kana": f"{member.family_name_kana} {member.given_name_kana}".strip(),
        "number_label": "ゲストユーザー番号" if member.is_guest else "会員番号",
        "member_number": member.member_number,
        "session": str(session),
    }
    if registration is None:  # a member card without a registration: the fee a walk-in would pay
        fee = session.fee_for(member)
        person["fee"] = f"{fee:,}円(申込なし)" if fee else "参加費なし"
    else:
        person.update(ticket_number=registration.ticket_number or "", fee=fee_text(registration))
        if registration.attended_at is not None:
            person["attended_at"] = f"{timezone.localtime(registration.attended_at):%Y/%m/%d %H:%M}"
    return person


def walk_in_refusal(*, member, session, today):
    """Why ``member`` cannot be registered for ``session`` at the desk (a sentence), or ''."""
    mode = CheckinSettings.load().desk_registration
    if mode == CheckinSettings.DeskRegistration.NONE:
        return "参加申込がありません。受付での当日申込は受け付けていません。"
    if session.fee_for(member) and mode != CheckinSettings.DeskRegistration.DESK_FEE:
        return "参加申込がありません。参加費のあるセッションの当日申込は受付では受け付けていません。"
    refusal = registration_refusal(member=member, session=session, today=today, at_desk=True)
    return f"参加申込がありません。当日申込もできません: {refusal}" if refusal else ""


def _find(code, session, *, lock):
    """(registration or None, member, whether it is locked) of a read code, or an Outcome refusing
    it. ``lock``: one not attended yet is read locked as the attendance rule reads it
    (``attendance.lockable``), so that marking it needs no second read (a code scanned twice at
    once waits here for the first, then reads it attended); one attended already is read without
    a lock, so that a repeat writes nothing (a row lock is a write, and its commit a WAL flush)."""
    if code.kind == CARD:
        try:
            member = member_of_current_token(code.value)
        except InvalidCardToken:
            return Outcome(REFUSED, "この会員証は確認できません(更新前の会員証か、偽造・改変の疑いがあります)。")
        lookup = {"session": session, "member": member, "state": Registration.State.APPLIED}
    else:
        lookup = {"ticket_number": code.value}
    registration = None
    if lock:
        registration = attendance.lockable().select_related("invoice").filter(**lookup, attended_at=None).first()
    locked = registration is not None
    if not locked:
        registrations = Registration.objects.select_related("member", "session__seminar", "invoice")
        registration = registrations.filter(**lookup).first()
    if code.kind == CARD:
        return registration, member, locked
    if registration is None:
        return Outcome(REFUSED, "この受講票の参加申込は見つかりません。")
    if registration.session_id != session.pk:
        return Outcome(
            REFUSED,
            f"別のセッション「{registration.session}」の受講票です。",
            _person(registration.member, registration.session),
        )
    if registration.state != Registration.State.APPLIED:
        return Outcome(REFUSED, "取り消された参加申込の受講票です。", _person(registration.member, session))
    return registration, registration.member, locked


def _register_at_desk(*, member, session, user, today):
    """当日申込 at the desk, with the fee (if any) received as 窓口; history says who did it."""
    registration = register(
        member=member, session=session, participation_format=Registration.Format.ONSITE, today=today, at_desk=True
    )
    if registration.invoice_id is not None:
        registration.invoice = record_manual_payment(
            invoice_id=registration.invoice_id, channel=Invoice.Channel.COUNTER, paid_on=today, user=user
        )
    log(instance=registration, action=DESK_REGISTERED_ACTION, user=user, data={"fee": session.fee_for(member)})
    return registration


@transaction.atomic
def scan(*, session, text, action, user, today=None):
    """One scan (or typed code) at ``session``'s desk; ``action`` one of ACTIONS. Returns Outcome."""
    today = today or timezone.localdate()
    try:
        code = read_code(text)
    except (ForgedCode, UnknownCode) as error:
        return Outcome(REFUSED, error.message)
    found = _find(code, session, lock=action != LOOK)
    if isinstance(found, Outcome):
        return found
    registration, member, locked = found
    not_held = attendance.not_held_refusal(session.date, today=today)
    if not_held:  # before anything is written: no desk registration or counter payment for a later day
        return Outcome(REFUSED, not_held, _person(member, session, registration), registration and registration.pk)
    locked = registration if locked else None  # otherwise mark_attended reads it locked itself
    if registration is None:
        refusal = walk_in_refusal(member=member, session=session, today=today)
        if refusal:
            return Outcome(REFUSED, refusal, _person(member, session))
        if action != REGISTER:
            fee = session.fee_for(member)
            what = f"参加費 {fee:,}円を窓口で受け取り、" if fee else ""
            return Outcome(WALK_IN, f"参加申込がありません。{what}当日申込できます。", _person(member, session))
        try:
            registration = _register_at_desk(member=member, session=session, user=user, today=today)
        except (RegistrationError, BillingError) as error:
            return Outcome(REFUSED, str(error), _person(member, session))
    if registration.attended_at is not None:
        return _already(registration, member, session)
    invoice = registration.invoice
    if invoice is not None and invoice.status == Invoice.Status.UNPAID:
        if action != COLLECT:
            status = FOUND if action == LOOK else FEE_DUE
            return Outcome(status, f"参加費 {invoice.amount:,}円が未納です。窓口で受け取ってから参加済にしてください。",
                           _person(member, session, registration), registration.pk)  # fmt: skip
        try:
            registration.invoice = record_manual_payment(
                invoice_id=invoice.pk, channel=Invoice.Channel.COUNTER, paid_on=today, user=user
            )
        except BillingError as error:
            return Outcome(REFUSED, str(error), _person(member, session, registration), registration.pk)
    if action == LOOK:
        return Outcome(FOUND, "参加済にできます。", _person(member, session, registration), registration.pk)
    try:
        marked = attendance.mark_attended(
            registration_id=registration.pk, locked=locked, user=user, via=attendance.DESK
        )
    except attendance.AttendanceError as error:
        registration.refresh_from_db(fields=["attended_at"])
        if registration.attended_at is not None:  # marked meanwhile (another desk, the same scan again)
            return _already(registration, member, session)
        transaction.set_rollback(True)  # refused: no desk registration or counter payment left behind
        return Outcome(REFUSED, str(error), _person(member, session))
    registration.attended_at = marked.attended_at
    return Outcome(ATTENDED, "参加済にしました。", _person(member, session, registration), registration.pk)


def _already(registration, member, session):
    when = timezone.localtime(registration.attended_at)
    return Outcome(ALREADY, f"{when:%Y/%m/%d %H:%M}に参加済になっています(重複の読み取りです)。",
                   _person(member, session, registration), registration.pk)  # fmt: skip
