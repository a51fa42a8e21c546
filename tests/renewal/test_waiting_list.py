"""キャンセル待ち (services): the line's order, offers and their expiry, accepting through the
registration service, leaving, guests, the capacity and the sweep's lapse of unpaid registrations."""

import datetime
import io

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from membership.models import Invoice, Payment
from renewal import waiting_list
from renewal.models import Registration, RenewalSettings, WaitlistEntry
from renewal.registrations import RegistrationError, cancel_registration, register
from renewal.waiting_list import WaitlistError
from tests.factories import MemberFactory, guest_member
from tests.renewal.factories import SessionFactory

pytestmark = pytest.mark.django_db

ONSITE = Registration.Format.ONSITE
State = WaitlistEntry.State


@pytest.fixture
def commits(django_capture_on_commit_callbacks):
    """Run what the service queued for after its commit (the mails)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def full_session(capacity=1, **kwargs):
    session = SessionFactory(capacity=capacity, **kwargs)
    holders = [MemberFactory() for _ in range(capacity)]
    for holder in holders:
        register(member=holder, session=session, participation_format=ONSITE)
    return session, holders


def entry_of(member, session):
    return WaitlistEntry.objects.get(member=member, session=session)


def seats_taken(session):
    live = Registration.objects.filter(session=session, state="applied").count()
    held = WaitlistEntry.objects.filter(session=session, state=State.OFFERED).count()
    return live + held


def test_only_a_full_session_has_a_waiting_list(member):
    session = SessionFactory(capacity=2)
    with pytest.raises(WaitlistError, match="空席があります"):
        waiting_list.join(member=member, session=session)
    assert not WaitlistEntry.objects.exists()


def test_members_wait_in_the_order_they_joined_and_see_their_place(member):
    session, _ = full_session()
    first, second, third = MemberFactory(), MemberFactory(), MemberFactory()
    for someone in (first, second, third):
        waiting_list.join(member=someone, session=session)
    assert [e.place for e in waiting_list.live_entries(member=third)] == [3]
    assert [e.place for e in waiting_list.live_entries(member=first)] == [1]
    with pytest.raises(WaitlistError, match="すでに登録されています"):
        waiting_list.join(member=second, session=session)
    waiting_list.leave(member=first, entry_id=entry_of(first, session).pk)
    assert entry_of(first, session).state == State.LEFT
    assert [e.place for e in waiting_list.live_entries(member=third)] == [2]


def test_a_cancellation_offers_the_seat_to_the_first_in_line_by_mail(commits):
    session, (holder,) = full_session()
    first, second = MemberFactory(), MemberFactory()
    waiting_list.join(member=first, session=session)
    waiting_list.join(member=second, session=session)
    registration = Registration.objects.get(member=holder)
    with commits():
        cancel_registration(member=holder, registration_id=registration.pk)
    offered = entry_of(first, session)
    assert offered.state == State.OFFERED
    assert offered.offer_expires_at - offered.offered_at == datetime.timedelta(hours=48)
    assert entry_of(second, session).state == State.WAITING
    assert [m.to for m in mail.outbox] == [[first.user.email]]
    assert f"/member/seminars/waitlist/{offered.pk}/offer" in mail.outbox[0].body
    # The held seat is not free for someone else.
    with pytest.raises(RegistrationError, match="定員に達した"):
        register(member=MemberFactory(), session=session, participation_format=ONSITE)


def test_accepting_registers_and_bills_the_fee_through_the_registration_service():
    session, (holder,) = full_session(fee_member=3000)
    waiter = MemberFactory()
    entry = waiting_list.join(member=waiter, session=session)
    cancel_registration(member=holder, registration_id=Registration.objects.get(member=holder).pk)
    registration = waiting_list.accept(member=waiter, entry_id=entry.pk, participation_format=ONSITE)
    assert registration.state == "applied" and registration.ticket_number
    assert registration.invoice.amount == 3000 and registration.invoice.status == Invoice.Status.UNPAID
    entry.refresh_from_db()
    assert (entry.state, entry.registration) == (State.ACCEPTED, registration)
    assert Registration.objects.filter(session=session, state="applied").count() == 1


def test_an_offer_expiring_moves_to_the_next_and_accepting_it_late_is_refused(commits):
    session, (holder,) = full_session()
    first, second = MemberFactory(), MemberFactory()
    waiting_list.join(member=first, session=session)
    waiting_list.join(member=second, session=session)
    cancel_registration(member=holder, registration_id=Registration.objects.get(member=holder).pk)
    with time_machine.travel(timezone.now() + datetime.timedelta(hours=49)):
        with pytest.raises(WaitlistError, match="回答期限が過ぎた"):
            waiting_list.accept(member=first, entry_id=entry_of(first, session).pk, participation_format=ONSITE)
        with commits():
            assert waiting_list.sweep() == (1, 0)
        assert entry_of(first, session).state == State.EXPIRED
        assert entry_of(second, session).state == State.OFFERED
        with pytest.raises(WaitlistError, match="終了しています"):
            waiting_list.accept(member=first, entry_id=entry_of(first, session).pk, participation_format=ONSITE)
        waiting_list.accept(member=second, entry_id=entry_of(second, session).pk, participation_format=ONSITE)
    assert {m.to[0] for m in mail.outbox} == {first.user.email, second.user.email}
    assert sorted(m.subject for m in mail.outbox)[0].endswith("キャンセル待ちのご案内の回答期限が過ぎました")
    assert seats_taken(session) == 1


def test_declining_offers_the_seat_to_the_next():
    session, (holder,) = full_session()
    first, second = MemberFactory(), MemberFactory()
    waiting_list.join(member=first, session=session)
    waiting_list.join(member=second, session=session)
    cancel_registration(member=holder, registration_id=Registration.objects.get(member=holder).pk)
    waiting_list.decline(member=first, entry_id=entry_of(first, session).pk)
    assert entry_of(first, session).state == State.DECLINED
    assert entry_of(second, session).state == State.OFFERED


def test_someone_elses_offer_cannot_be_answered():
    session, (holder,) = full_session()
    waiter, other = MemberFactory(), MemberFactory()
    entry = waiting_list.join(member=waiter, session=session)
    cancel_registration(member=holder, registration_id=Registration.objects.get(member=holder).pk)
    with pytest.raises(WaitlistError, match="見つかりません"):
        waiting_list.accept(member=other, entry_id=entry.pk, participation_format=ONSITE)
    with pytest.raises(WaitlistError, match="見つかりません"):
        waiting_list.decline(member=other, entry_id=entry.pk)
    assert entry_of(waiter, session).state == State.OFFERED


def test_raising_the_capacity_offers_the_new_seats_in_order_and_never_more():
    session, _ = full_session(capacity=2)
    waiters = [MemberFactory() for _ in range(4)]
    for waiter in waiters:
        waiting_list.join(member=waiter, session=session)
    session.capacity = 4
    session.save()
    offers = waiting_list.offer_freed_seats(session_ids=[session.pk])
    assert [o.member for o in offers] == waiters[:2]
    assert waiting_list.offer_next(session=session) == []  # nothing free any more
    assert seats_taken(session) == 4
    with pytest.raises(RegistrationError, match="定員に達した"):
        register(member=MemberFactory(), session=session, participation_format=ONSITE)


def test_staff_offer_by_hand_only_with_a_free_seat(staff_user):
    session, (holder,) = full_session()
    first, second = MemberFactory(), MemberFactory()
    waiting_list.join(member=first, session=session)
    later = waiting_list.join(member=second, session=session)
    with pytest.raises(WaitlistError, match="空席がありません"):
        waiting_list.offer_by_hand(entry_id=later.pk, user=staff_user)
    # A seat freed without its automatic offer (a capacity raised outside the admin form).
    session.capacity = 2
    session.save()
    waiting_list.offer_by_hand(entry_id=later.pk, user=staff_user)
    later.refresh_from_db()
    assert (later.state, later.offered_by) == (State.OFFERED, staff_user)
    assert entry_of(first, session).state == State.WAITING
    with pytest.raises(WaitlistError, match="空席がありません"):
        waiting_list.offer_by_hand(entry_id=entry_of(first, session).pk, user=staff_user)


def test_a_guest_may_wait_where_the_session_admits_guests():
    session, (holder,) = full_session(guests_allowed=True, fee_guest=6000)
    guest = guest_member()
    entry = waiting_list.join(member=guest, session=session)
    cancel_registration(member=holder, registration_id=Registration.objects.get(member=holder).pk)
    registration = waiting_list.accept(member=guest, entry_id=entry.pk, participation_format=ONSITE)
    assert registration.invoice.amount == 6000
    members_only, _ = full_session(guests_allowed=False)
    with pytest.raises(WaitlistError, match="会員の方のみ"):
        waiting_list.join(member=guest_member("G0000006"), session=members_only)


def test_an_offer_may_be_accepted_after_the_application_period_closed(member):
    session, (holder,) = full_session()
    entry = waiting_list.join(member=member, session=session)
    closes = session.seminar.application_closes_on
    with time_machine.travel(datetime.datetime.combine(closes + datetime.timedelta(days=2), datetime.time(10))):
        cancel_registration(member=holder, registration_id=Registration.objects.get(member=holder).pk)
        waiting_list.accept(member=member, entry_id=entry.pk, participation_format=ONSITE)
    assert Registration.objects.filter(member=member, session=session, state="applied").exists()


def test_the_sweep_lapses_unpaid_registrations_of_sessions_with_people_waiting(commits):
    settings = RenewalSettings.load()
    settings.unpaid_hold_days = 7
    settings.save()
    session, (holder,) = full_session(fee_member=3000)
    unwaited, (other_holder,) = full_session(fee_member=3000)  # full, but nobody waits
    waiter = MemberFactory()
    waiting_list.join(member=waiter, session=session)
    with time_machine.travel(timezone.now() + datetime.timedelta(days=6)):
        assert waiting_list.sweep() == (0, 0)
    with time_machine.travel(timezone.now() + datetime.timedelta(days=8)):
        with commits():
            assert waiting_list.sweep() == (0, 1)
    lapsed = Registration.objects.get(member=holder)
    assert lapsed.state == "cancelled" and lapsed.invoice.status == Invoice.Status.CANCELLED
    assert Registration.objects.get(member=other_holder).state == "applied"
    assert entry_of(waiter, session).state == State.OFFERED
    assert {m.to[0] for m in mail.outbox} == {holder.user.email, waiter.user.email}


def test_no_offers_once_the_seminar_began():
    session, (holder,) = full_session()
    waiter = MemberFactory()
    waiting_list.join(member=waiter, session=session)
    with time_machine.travel(datetime.datetime.combine(session.seminar.starts_on, datetime.time(9))):
        assert waiting_list.offer_next(session=session) == []
    assert entry_of(waiter, session).state == State.WAITING


def test_on_the_seminar_day_the_sweep_closes_the_line_and_a_stale_offer_holds_no_seat_at_the_desk():
    session, (holder, _other) = full_session(capacity=2)
    offered, waiting, walk_in = MemberFactory(), MemberFactory(), MemberFactory()
    waiting_list.join(member=offered, session=session)
    waiting_list.join(member=waiting, session=session)
    eve = session.seminar.starts_on - datetime.timedelta(days=1)
    with time_machine.travel(datetime.datetime.combine(eve, datetime.time(10))):  # answer by tomorrow 10:00
        cancel_registration(member=holder, registration_id=Registration.objects.get(member=holder).pk)
    assert entry_of(offered, session).state == State.OFFERED
    with time_machine.travel(datetime.datetime.combine(session.seminar.starts_on, datetime.time(9))):
        with pytest.raises(RegistrationError, match="定員"):  # the offer can no longer be accepted
            register(member=walk_in, session=session, participation_format=ONSITE, at_desk=True)
        assert waiting_list.sweep() == (2, 0)
        assert {entry_of(m, session).state for m in (offered, waiting)} == {State.EXPIRED}
        register(member=walk_in, session=session, participation_format=ONSITE, at_desk=True)
        assert waiting_list.sweep() == (0, 0)


def test_the_sweep_command_queues_the_task_that_moves_an_expired_offer_on():
    session, (holder,) = full_session()
    first, second = MemberFactory(), MemberFactory()
    waiting_list.join(member=first, session=session)
    waiting_list.join(member=second, session=session)
    cancel_registration(member=holder, registration_id=Registration.objects.get(member=holder).pk)
    out = io.StringIO()
    with time_machine.travel(timezone.now() + datetime.timedelta(hours=49)):
        call_command("sweep_waiting_lists", stdout=out)  # the immediate backend runs the task at once
    assert "sweep queued" in out.getvalue()
    assert entry_of(first, session).state == State.EXPIRED
    assert entry_of(second, session).state == State.OFFERED
    call_command("sweep_waiting_lists", "--now", stdout=out)
    assert "offers expired: 0, registrations lapsed: 0" in out.getvalue()


def test_a_registration_with_a_payment_in_progress_does_not_lapse():
    settings = RenewalSettings.load()
    settings.unpaid_hold_days = 3
    settings.save()
    session, (holder,) = full_session(fee_member=3000)
    waiting_list.join(member=MemberFactory(), session=session)
    registration = Registration.objects.get(member=holder)
    Payment.objects.create(invoice=registration.invoice, method=Payment.Method.CARD, order_id="ORD-WL-1", amount=3000)
    with time_machine.travel(timezone.now() + datetime.timedelta(days=4)):
        assert waiting_list.sweep() == (0, 0)
    registration.refresh_from_db()
    assert registration.state == "applied"


def test_only_as_many_unpaid_registrations_lapse_as_there_are_people_waiting():
    session, holders = full_session(capacity=2, fee_member=3000)
    waiter = MemberFactory()
    waiting_list.join(member=waiter, session=session)
    with time_machine.travel(timezone.now() + datetime.timedelta(days=8)):
        assert waiting_list.sweep() == (0, 1)
    states = sorted(Registration.objects.filter(member__in=holders).values_list("state", flat=True))
    assert states == ["applied", "cancelled"]
    assert entry_of(waiter, session).state == State.OFFERED


def test_registering_directly_while_offered_takes_the_offered_seat_and_closes_the_offer(commits):
    session, (holder, other) = full_session(capacity=2)
    offered, next_in_line = MemberFactory(), MemberFactory()
    entry = waiting_list.join(member=offered, session=session)
    waiting_list.join(member=next_in_line, session=session)
    with commits():
        cancel_registration(member=holder, registration_id=Registration.objects.get(member=holder).pk)
    registration = register(member=offered, session=session, participation_format=ONSITE)  # another tab
    entry.refresh_from_db()
    assert (entry.state, entry.registration) == (State.ACCEPTED, registration)
    assert seats_taken(session) == 2  # one seat for them, not the registration and the offer
    cancel_registration(member=other, registration_id=Registration.objects.get(member=other).pk)
    assert entry_of(next_in_line, session).state == State.OFFERED  # the next seat goes onward
    with time_machine.travel(timezone.now() + datetime.timedelta(hours=49)):
        with commits():
            waiting_list.sweep()
    subjects = [m.subject.split("】")[-1] for m in mail.outbox if m.to == [offered.user.email]]
    assert subjects == ["キャンセル待ちの席をご案内します"]  # never told that their offer expired


def test_a_waiting_member_registered_otherwise_is_not_offered_a_seat_later():
    session, (holder,) = full_session()
    waiter, second = MemberFactory(), MemberFactory()
    entry = waiting_list.join(member=waiter, session=session)
    waiting_list.join(member=second, session=session)
    session.capacity = 2
    session.save(update_fields=["capacity"])
    register(member=waiter, session=session, participation_format=ONSITE)  # e.g. at the desk
    assert entry_of(waiter, session).pk == entry.pk and entry_of(waiter, session).state == State.ACCEPTED
    cancel_registration(member=holder, registration_id=Registration.objects.get(member=holder).pk)
    assert entry_of(second, session).state == State.OFFERED


def test_an_expired_offer_goes_to_the_next_in_line_not_to_the_first_comer(commits):
    """Between an offer's deadline and the sweep the seat stays the line's: a member who is not
    waiting cannot take it, the next in line may; once the sweep has passed it on, the offer holds."""
    session, (holder,) = full_session()
    first, second, newcomer = MemberFactory(), MemberFactory(), MemberFactory()
    waiting_list.join(member=first, session=session)
    waiting_list.join(member=second, session=session)
    cancel_registration(member=holder, registration_id=Registration.objects.get(member=holder).pk)
    with time_machine.travel(timezone.now() + datetime.timedelta(hours=49)):  # first's offer has expired
        with pytest.raises(RegistrationError, match="定員"):
            register(member=newcomer, session=session, participation_format=ONSITE)
        register(member=second, session=session, participation_format=ONSITE)  # the next in line
        assert entry_of(second, session).state == State.ACCEPTED
        with commits():
            assert waiting_list.sweep() == (1, 0)
    assert entry_of(first, session).state == State.EXPIRED
    assert seats_taken(session) == 1


def test_an_expired_offer_holds_no_seat_when_nobody_else_waits(commits):
    session, (holder,) = full_session()
    first, newcomer = MemberFactory(), MemberFactory()
    waiting_list.join(member=first, session=session)
    cancel_registration(member=holder, registration_id=Registration.objects.get(member=holder).pk)
    with time_machine.travel(timezone.now() + datetime.timedelta(hours=49)):
        register(member=newcomer, session=session, participation_format=ONSITE)
        with commits():
            assert waiting_list.sweep() == (1, 0)
    assert entry_of(first, session).state == State.EXPIRED
    assert list(Registration.objects.filter(session=session, state="applied").values_list("member", flat=True)) == [
        newcomer.pk
    ]
