"""参加申込 and 取消 (services): who may apply, seats, fees as invoices, and cancelling."""

import datetime

import pytest
from django.db import IntegrityError, transaction

from membership.billing.payments import record_manual_payment
from membership.models import Invoice, Member, Payment
from renewal.models import Registration
from renewal.registrations import RegistrationError, cancel_registration, register
from tests.factories import MemberFactory, guest_member
from tests.renewal.factories import SeminarFactory, SessionFactory, days

pytestmark = pytest.mark.django_db

ONSITE = Registration.Format.ONSITE


def test_a_free_session_registers_with_a_ticket_number_and_no_invoice(member):
    session = SessionFactory()
    registration = register(member=member, session=session, participation_format=ONSITE)
    assert registration.state == Registration.State.APPLIED
    assert registration.ticket_number == f"S{session.pk}-0001"
    assert registration.invoice is None
    assert Invoice.objects.count() == 0
    second = register(member=MemberFactory(), session=session, participation_format=ONSITE)
    assert second.ticket_number == f"S{session.pk}-0002"


def test_a_fee_becomes_a_seminar_fee_invoice_of_the_sessions_fiscal_year(member):
    seminar = SeminarFactory(title="第91回日本消化器内視鏡技師学会", starts_on=datetime.date(2031, 3, 20))
    session = SessionFactory(seminar=seminar, fee_member=3000, fee_guest=6000)
    registration = register(member=member, session=session, participation_format=ONSITE)
    invoice = Invoice.objects.get()
    assert registration.invoice == invoice
    assert (invoice.member, invoice.category, invoice.amount) == (member, Invoice.Category.SEMINAR_FEE, 3000)
    assert invoice.fiscal_year == 2030  # March 2031 belongs to fiscal 2030
    assert invoice.subject == f"seminar:{registration.pk}"
    assert invoice.receipt_purpose == "第91回日本消化器内視鏡技師学会 参加費として"
    assert invoice.status == Invoice.Status.UNPAID


@pytest.mark.parametrize(
    ("seminar_kwargs", "session_kwargs", "message"),
    [
        ({"application_opens_on": days(1)}, {}, "申込受付は"),
        ({"application_opens_on": days(-20), "application_closes_on": days(-1)}, {}, "申込受付期間は終了しました"),
        ({"published": False}, {}, "公開されていません"),
        ({}, {"members_allowed": False}, "会員の方の受講を受け付けていません"),
    ],
    ids=["not-yet-open", "closed", "unpublished", "guests-only"],
)
def test_refused_outside_what_the_session_allows(member, seminar_kwargs, session_kwargs, message):
    session = SessionFactory(seminar=SeminarFactory(**seminar_kwargs), **session_kwargs)
    with pytest.raises(RegistrationError, match=message):
        register(member=member, session=session, participation_format=ONSITE)
    assert not Registration.objects.exists()


def test_the_last_day_of_the_application_period_still_accepts(member):
    session = SessionFactory(seminar=SeminarFactory(application_closes_on=days(0)))
    assert register(member=member, session=session, participation_format=ONSITE).pk


@pytest.mark.parametrize("status", [Member.Status.ON_LEAVE, Member.Status.WITHDRAWN, Member.Status.LAPSED])
def test_only_full_members_may_apply(status):
    member = MemberFactory(status=status)
    with pytest.raises(RegistrationError, match="正会員の方のみ"):
        register(member=member, session=SessionFactory(), participation_format=ONSITE)


def test_a_second_registration_is_refused_and_the_database_backs_it(member):
    session = SessionFactory()
    first = register(member=member, session=session, participation_format=ONSITE)
    with pytest.raises(RegistrationError, match="すでにお申し込み"):
        register(member=member, session=session, participation_format=ONSITE)
    with pytest.raises(IntegrityError), transaction.atomic():
        Registration.objects.create(session=session, member=member)
    # After cancelling, applying again is allowed.
    cancel_registration(member=member, registration_id=first.pk)
    assert register(member=member, session=session, participation_format=ONSITE).pk != first.pk


def test_the_format_must_be_one_of_the_seminars(member):
    session = SessionFactory(seminar=SeminarFactory(onsite=False, elearning=True))
    with pytest.raises(RegistrationError, match="参加形態"):
        register(member=member, session=session, participation_format=ONSITE)
    registration = register(member=member, session=session, participation_format=Registration.Format.ELEARNING)
    assert registration.participation_format == Registration.Format.ELEARNING


def test_capacity_counts_live_registrations_only(member):
    session = SessionFactory(capacity=1)
    other = MemberFactory()
    first = register(member=other, session=session, participation_format=ONSITE)
    with pytest.raises(RegistrationError, match="定員に達した"):
        register(member=member, session=session, participation_format=ONSITE)
    cancel_registration(member=other, registration_id=first.pk)
    assert register(member=member, session=session, participation_format=ONSITE).state == "applied"


def test_cancelling_an_unpaid_registration_cancels_its_invoice(member):
    registration = register(member=member, session=SessionFactory(fee_member=3000), participation_format=ONSITE)
    cancel_registration(member=member, registration_id=registration.pk)
    registration.refresh_from_db()
    assert registration.state == Registration.State.CANCELLED and registration.cancelled_at
    invoice = Invoice.objects.get()
    assert invoice.status == Invoice.Status.CANCELLED
    assert invoice.status_reason == "参加申込の取消"


def test_a_paid_registration_cannot_be_cancelled_by_the_member(member):
    registration = register(member=member, session=SessionFactory(fee_member=3000), participation_format=ONSITE)
    record_manual_payment(
        invoice_id=registration.invoice_id, channel=Invoice.Channel.COUNTER, paid_on=days(0), notify=False
    )
    with pytest.raises(RegistrationError, match="事務局へお問い合わせください"):
        cancel_registration(member=member, registration_id=registration.pk)
    registration.refresh_from_db()
    assert registration.state == Registration.State.APPLIED


def test_cancelling_is_refused_from_the_first_day_of_the_seminar(member):
    seminar = SeminarFactory(starts_on=days(0), application_closes_on=days(0))
    registration = register(member=member, session=SessionFactory(seminar=seminar), participation_format=ONSITE)
    with pytest.raises(RegistrationError, match="開催日以降は取り消せません"):
        cancel_registration(member=member, registration_id=registration.pk)


def test_cancelling_waits_for_an_open_payment_attempt(member):
    registration = register(member=member, session=SessionFactory(fee_member=3000), participation_format=ONSITE)
    Payment.objects.create(invoice=registration.invoice, method="card", order_id="S2025-TEST-0001", amount=3000)
    with pytest.raises(RegistrationError, match="お支払い手続き中"):
        cancel_registration(member=member, registration_id=registration.pk)
    assert Invoice.objects.get().status == Invoice.Status.UNPAID


def test_another_members_registration_cannot_be_cancelled(member):
    registration = register(member=MemberFactory(), session=SessionFactory(), participation_format=ONSITE)
    with pytest.raises(RegistrationError, match="見つかりません"):
        cancel_registration(member=member, registration_id=registration.pk)


# --- guests (非会員) -----------------------------------------------------------------------------


def test_a_guest_registers_for_a_session_open_to_guests_and_is_billed_the_guests_fee():
    guest = guest_member()
    session = SessionFactory(guests_allowed=True, fee_member=3000, fee_guest=6000)
    registration = register(member=guest, session=session, participation_format=ONSITE)
    invoice = registration.invoice
    assert (invoice.member, invoice.category, invoice.amount) == (guest, Invoice.Category.SEMINAR_FEE, 6000)


def test_a_guest_registers_even_where_members_are_not_admitted():
    session = SessionFactory(members_allowed=False, guests_allowed=True, fee_guest=0)
    registration = register(member=guest_member(), session=session, participation_format=ONSITE)
    assert registration.invoice is None


def test_a_guest_is_refused_a_members_only_session():
    session = SessionFactory(guests_allowed=False, fee_member=3000, fee_guest=6000)
    with pytest.raises(RegistrationError, match="会員の方のみお申し込みいただけます"):
        register(member=guest_member(), session=session, participation_format=ONSITE)
    assert not Registration.objects.exists() and not Invoice.objects.exists()


def test_a_guest_counts_against_the_capacity_like_anyone():
    session = SessionFactory(guests_allowed=True, capacity=1)
    register(member=guest_member(), session=session, participation_format=ONSITE)
    with pytest.raises(RegistrationError, match="定員に達した"):
        register(member=MemberFactory(), session=session, participation_format=ONSITE)


def test_a_member_is_still_billed_the_members_fee_where_guests_are_admitted(member):
    session = SessionFactory(guests_allowed=True, fee_member=3000, fee_guest=6000)
    assert register(member=member, session=session, participation_format=ONSITE).invoice.amount == 3000
