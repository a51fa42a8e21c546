"""キャンセル待ち: joining and leaving a full session's waiting list, and the seat offers.

A freed seat (a cancellation, an unpaid registration lapsing, staff raising the capacity) is
offered to the first in line by ``offer_next``, always under the session's row lock (the lock
``registrations.register`` takes): the free seats are counted as capacity minus live
registrations minus outstanding offers, so a seat is never offered twice or to two people at
once. An offer holds its seat for ``RenewalSettings.waitlist_offer_hours``; accepting registers
through ``registrations.register`` (which bills the fee), declining or letting it expire offers
the seat to the next (``expire_offers``, run by the sweep task ``renewal.tasks``).

Lock order: the session, then the entry (then the registration service's own order). Accepting
is the exception that keeps it: it goes through ``registrations.register``, which writes the
registration row before it takes the session lock and closes the entry under it
(``settle_on_registration``), so that the member registering in another tab at the same moment
meets the one-registration constraint instead of a deadlock.
"""

import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from wagtail.log_actions import log

from core.errors import DomainError
from membership.mail import mail_member
from membership.models import Invoice

from . import registrations, seats
from .models import Registration, RenewalSettings, Session, WaitlistEntry

JOINED_ACTION = "renewal.waitlist.joined"
LEFT_ACTION = "renewal.waitlist.left"
OFFERED_ACTION = "renewal.waitlist.offered"
ACCEPTED_ACTION = "renewal.waitlist.accepted"
DECLINED_ACTION = "renewal.waitlist.declined"
EXPIRED_ACTION = "renewal.waitlist.expired"

State = WaitlistEntry.State


class WaitlistError(DomainError):
    """A waiting-list step cannot be done; the message (Japanese) says why."""


def waitlist_settings():
    return RenewalSettings.load()


def place_in_line():
    """An expression for a waiting entry's place in its session's line (1 = next to be offered)."""
    ahead = WaitlistEntry.objects.filter(session=OuterRef("session"), state=State.WAITING).filter(
        Q(joined_at__lt=OuterRef("joined_at")) | Q(joined_at=OuterRef("joined_at"), pk__lt=OuterRef("pk"))
    )
    count = ahead.order_by().values("session").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(count, output_field=IntegerField()), 0) + 1


def live_entries(*, member, today=None):
    """The member's live entries (waiting or offered) of seminars not begun yet, with their place in
    line, soonest seminar first; one query."""
    today = today or timezone.localdate()
    return list(
        WaitlistEntry.objects.filter(
            member=member, state__in=WaitlistEntry.LIVE_STATES, session__seminar__starts_on__gt=today
        )
        .select_related("session__seminar")
        .annotate(place=place_in_line())
        .order_by("session__seminar__starts_on", "session__sort_order", "pk")
    )


def free_seats(session, *, now):
    """Seats nobody holds: capacity minus live registrations minus outstanding offers (None: no capacity)."""
    if session.capacity is None:
        return None
    taken = registrations.live_registrations(session).count() + seats.held_offers(session, now=now).count()
    return max(session.capacity - taken, 0)


def join_refusal(*, member, session, today=None):
    """Why ``member`` cannot join ``session``'s waiting list (a Japanese sentence), or None."""
    refusal = registrations.registration_refusal(member=member, session=session, today=today)
    if refusal is None:
        return "空席があります。参加申込からお申し込みください。"
    if refusal != registrations.FULL_REFUSAL:
        return refusal
    if WaitlistEntry.objects.filter(session=session, member=member, state__in=WaitlistEntry.LIVE_STATES).exists():
        return "このセッションのキャンセル待ちにはすでに登録されています。"
    return None


@transaction.atomic
def join(*, member, session, today=None):
    """キャンセル待ちに登録: the member joins the end of the line of a full session."""
    session = registrations.lock_session(session.pk)
    refusal = join_refusal(member=member, session=session, today=today)
    if refusal:
        raise WaitlistError(refusal)
    try:
        with transaction.atomic():
            entry = WaitlistEntry.objects.create(session=session, member=member)
    except IntegrityError as error:
        raise WaitlistError("このセッションのキャンセル待ちにはすでに登録されています。") from error
    log(instance=entry, action=JOINED_ACTION, user=member.user)
    return entry


def _locked_entry(*, entry_id, member=None):
    """The entry with its session locked first (lock order), or WaitlistError; ``member`` limits it to theirs."""
    entries = WaitlistEntry.objects.filter(pk=entry_id)
    if member is not None:
        entries = entries.filter(member=member)
    session_id = entries.values_list("session_id", flat=True).first()
    if session_id is None:
        raise WaitlistError("キャンセル待ちが見つかりません。")
    session = registrations.lock_session(session_id)
    entry = WaitlistEntry.objects.select_for_update(of=("self",)).select_related("member__user").get(pk=entry_id)
    entry.session = session
    return entry


def _close(entry, state, *, now, action, user):
    entry.state = state
    entry.decided_at = now
    entry.save(update_fields=["state", "decided_at"])
    log(instance=entry, action=action, user=user)


@transaction.atomic
def leave(*, member, entry_id, now=None):
    """取りやめ: the member leaves the line (an outstanding offer is declined: the seat goes onward)."""
    now = now or timezone.now()
    entry = _locked_entry(entry_id=entry_id, member=member)
    if entry.state not in WaitlistEntry.LIVE_STATES:
        raise WaitlistError("このキャンセル待ちはすでに終了しています。")
    offered = entry.state == State.OFFERED
    _close(
        entry,
        State.DECLINED if offered else State.LEFT,
        now=now,
        action=DECLINED_ACTION if offered else LEFT_ACTION,
        user=member.user,
    )
    if offered:
        offer_next(session=entry.session, now=now)
    return entry


def _offer(entry, *, now, hours, user=None):
    entry.state = State.OFFERED
    entry.offered_at = now
    entry.offer_expires_at = now + datetime.timedelta(hours=hours)
    entry.offered_by = user
    entry.save(update_fields=["state", "offered_at", "offer_expires_at", "offered_by"])
    log(instance=entry, action=OFFERED_ACTION, user=user, data={"expires_at": entry.offer_expires_at.isoformat()})
    offer_url = f"{settings.SITE_URL}{reverse('renewal:waitlist_offer', args=[entry.pk])}"
    mail_member(
        entry.member,
        template="renewal/mail/waitlist_offer.txt",
        subject="キャンセル待ちの席をご案内します",
        context={"entry": entry, "session": entry.session, "offer_url": offer_url, "hours": hours},
    )


def _expire_overdue(session, *, now):
    """Offers of ``session`` past their time become 期限切れ (their member is told); call under the session lock."""
    overdue = list(
        WaitlistEntry.objects.select_for_update(of=("self",))
        .filter(session=session, state=State.OFFERED, offer_expires_at__lte=now)
        .select_related("member__user")
    )
    for entry in overdue:
        entry.session = session
        _close(entry, State.EXPIRED, now=now, action=EXPIRED_ACTION, user=None)
        mail_member(
            entry.member,
            template="renewal/mail/waitlist_expired.txt",
            subject="キャンセル待ちのご案内の回答期限が過ぎました",
            context={"entry": entry, "session": session},
        )
    return overdue


def offer_next(*, session, now=None):
    """Offer every free seat of ``session`` to the first in line, one seat each; returns the new offers.

    Called inside the transaction that freed the seat (cancellation, lapse, decline, capacity
    raised) and by the sweep; takes the session lock (again: a no-op when the caller holds it).
    """
    now = now or timezone.now()
    with transaction.atomic():
        session = registrations.lock_session(session.pk)
        if not WaitlistEntry.objects.filter(session=session, state__in=WaitlistEntry.LIVE_STATES).exists():
            return []  # nobody waits (most cancellations): nothing to offer or expire
        _expire_overdue(session, now=now)
        if timezone.localdate(now) >= session.seminar.starts_on:
            return []  # no more offers once the seminar began
        free = free_seats(session, now=now)
        line = (
            WaitlistEntry.objects.select_for_update(of=("self",))
            .filter(session=session, state=State.WAITING)
            .select_related("member__user")
            .order_by("joined_at", "pk")
        )
        if free is not None:
            line = line[:free]
        hours = waitlist_settings().waitlist_offer_hours
        offers = list(line)
        for entry in offers:
            entry.session = session
            _offer(entry, now=now, hours=hours)
        return offers


@transaction.atomic
def offer_by_hand(*, entry_id, user, now=None):
    """席を案内する (staff): offer a free seat to this entry, whatever its place in line."""
    now = now or timezone.now()
    entry = _locked_entry(entry_id=entry_id)
    refusal = offer_refusal(entry, now=now)
    if refusal:
        raise WaitlistError(refusal)
    _offer(entry, now=now, hours=waitlist_settings().waitlist_offer_hours, user=user)
    return entry


def offer_refusal(entry, *, now=None):
    """Why staff cannot offer a seat to ``entry`` now (a Japanese sentence), or None."""
    now = now or timezone.now()
    if entry.state != State.WAITING:
        return f"このキャンセル待ちは「{entry.get_state_display()}」です。順番待ちの方にのみ案内できます。"
    if timezone.localdate(now) >= entry.session.seminar.starts_on:
        return "開催日以降は案内できません。"
    if free_seats(entry.session, now=now) == 0:
        return "空席がありません。定員を増やすか、取消をお待ちください。"
    return None


def answer_refusal(entry, *, now):
    """Why the member cannot answer (accept) the offer of ``entry`` now, or None."""
    if entry.state == State.ACCEPTED:
        return "このご案内にはすでにお申し込みいただいています。"
    if entry.state != State.OFFERED:
        return "このご案内は終了しています。"
    if entry.offer_expires_at <= now:
        return "回答期限が過ぎたため、このご案内は終了しました。"
    return None


@transaction.atomic
def accept(*, member, entry_id, participation_format, now=None):
    """申し込む: the member takes the offered seat; registers (and bills the fee) through
    ``registrations.register``, which checks the offer again under the session lock and closes it."""
    now = now or timezone.now()
    entry = WaitlistEntry.objects.select_related("session").filter(pk=entry_id, member=member).first()
    if entry is None:
        raise WaitlistError("キャンセル待ちが見つかりません。")
    refusal = answer_refusal(entry, now=now)  # the common refusals before any row is written
    if refusal:
        raise WaitlistError(refusal)
    try:
        return registrations.register(
            member=member,
            session=entry.session,
            participation_format=participation_format,
            today=timezone.localdate(now),
            offered=True,
        )
    except registrations.RegistrationError as error:
        raise WaitlistError(str(error)) from error


def settle_on_registration(*, session, registration, offered):
    """The member of ``registration`` registered for ``session`` (``registrations.register``, under
    the session lock): their live entry of its waiting list becomes 申込済 with the registration,
    so that their offer holds no second seat and no seat is offered to them later.

    ``offered``: the registration accepts their offer, which must still be open (WaitlistError).
    """
    now = timezone.now()
    member = registration.member
    entry = (
        WaitlistEntry.objects.select_for_update(of=("self",))
        .filter(session=session, member=member, state__in=WaitlistEntry.LIVE_STATES)
        .first()
    )
    if offered:
        refusal = answer_refusal(entry, now=now) if entry else "このご案内は終了しています。"
        if refusal:
            raise WaitlistError(refusal)
    if entry is None:
        return None
    entry.registration = registration
    entry.save(update_fields=["registration"])
    _close(entry, State.ACCEPTED, now=now, action=ACCEPTED_ACTION, user=member.user)
    return entry


@transaction.atomic
def decline(*, member, entry_id, now=None):
    """辞退する: the member declines the offer; the seat is offered to the next in line."""
    now = now or timezone.now()
    entry = _locked_entry(entry_id=entry_id, member=member)
    refusal = answer_refusal(entry, now=now)
    if refusal:
        raise WaitlistError(refusal)
    _close(entry, State.DECLINED, now=now, action=DECLINED_ACTION, user=member.user)
    offer_next(session=entry.session, now=now)
    return entry


def offer_freed_seats(*, session_ids, now=None):
    """After staff changed sessions (capacity raised): offer what is free now, session by session."""
    offers = []
    for session in Session.objects.filter(pk__in=session_ids, waitlist_entries__state=State.WAITING).distinct():
        offers += offer_next(session=session, now=now)
    return offers


def close_begun(*, now):
    """Live entries of sessions whose seminar began become 期限切れ: no seat is offered from then
    on and an offer can no longer be accepted, so none may hold a seat the desk could fill (or
    stand in a member's list). Returns how many were closed."""
    live = WaitlistEntry.objects.filter(
        state__in=WaitlistEntry.LIVE_STATES, session__seminar__starts_on__lte=timezone.localdate(now)
    )
    closed = 0
    for session_id in list(live.values_list("session_id", flat=True).distinct()):
        with transaction.atomic():
            session = registrations.lock_session(session_id)
            for entry in live.filter(session=session).select_for_update(of=("self",)).select_related("member__user"):
                entry.session = session
                _close(entry, State.EXPIRED, now=now, action=EXPIRED_ACTION, user=None)
                closed += 1
    return closed


def sweep(*, now=None):
    """The periodic sweep (``renewal.tasks.sweep_waiting_lists``): expired offers go to the next in
    line, the lines of sessions whose seminar began are closed (``close_begun``), and in sessions
    with people waiting, registrations unpaid past ``unpaid_hold_days`` lapse (oldest first, while
    someone still waits).
    Each session and each registration in a transaction of its own. Returns (entries expired, lapsed)."""
    now = now or timezone.now()
    expired = 0
    overdue = WaitlistEntry.objects.filter(state=State.OFFERED, offer_expires_at__lte=now)
    for session in Session.objects.filter(pk__in=overdue.values("session_id")):
        before = overdue.filter(session=session).count()
        offer_next(session=session, now=now)
        expired += before
    expired += close_begun(now=now)
    lapsed = 0
    hold_days = waitlist_settings().unpaid_hold_days
    if hold_days:
        waiting = WaitlistEntry.objects.filter(state=State.WAITING).values("session_id")
        unpaid = Registration.objects.filter(
            session__in=waiting,
            session__capacity__isnull=False,
            state=Registration.State.APPLIED,
            attended_at=None,
            invoice__status=Invoice.Status.UNPAID,
            applied_at__lte=now - datetime.timedelta(days=hold_days),
        ).order_by("applied_at", "pk")
        for registration_id, session_id in list(unpaid.values_list("pk", "session_id")):
            if not WaitlistEntry.objects.filter(session_id=session_id, state=State.WAITING).exists():
                continue  # the line is served: the other unpaid registrations keep their seats
            try:
                registrations.lapse_unpaid_registration(registration_id=registration_id, hold_days=hold_days, now=now)
            except registrations.RegistrationError:
                continue  # paid meanwhile, a payment in progress, or the seminar began
            lapsed += 1
    return expired, lapsed
