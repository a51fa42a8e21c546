"""受付 (check-in at the desk, renewal.checkin): a signed ticket code or a member card's QR code
marks the registration attended and gives its credit once; a second scan says when; a forged or
altered code is refused; a card without a registration may register on the spot as the settings
allow; only the 受付 permission opens the desk (a receptionist sees nothing else of the admin)."""

import io
import json

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader
from wagtail.models import ModelLogEntry

from membership.card import verify_url
from membership.models import Invoice
from renewal import checkin
from renewal.checkin_codes import ForgedCode, UnknownCode, check_characters, read_code, ticket_code
from renewal.models import CheckinSettings, Credit, Registration
from tests.factories import MemberFactory, StaffUserFactory, user_in
from tests.renewal.factories import SeminarFactory, SessionFactory, days, session_held_today
from tests.renewal.factories import registered_while_open as registered
from tests.two_factor import enrolled_device, log_in_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def session():
    return session_held_today()


@pytest.fixture
def receptionist():
    return user_in("受付")


@pytest.fixture
def desk(client, receptionist):
    return log_in_staff(client, receptionist)


def scan(session, text, action=checkin.ATTEND, user=None):
    return checkin.scan(session=session, text=text, action=action, user=user)


def post(client, session, code, action="attend"):
    response = client.post(reverse("checkin_scan", args=[session.pk]), {"code": code, "action": action})
    return response.status_code, json.loads(response.content)


# --- codes ----------------------------------------------------------------------------------------


def test_a_ticket_code_is_the_number_with_check_characters_and_reads_back_typed_loosely():
    code = ticket_code("S12-0003")
    assert code.startswith("S12-0003-") and len(code) == len("S12-0003-") + 6
    typed = code.lower().replace("-", "－")  # full-width hyphens, lower case, as typed on a phone
    assert read_code(f" {typed} ").value == "S12-0003"


@pytest.mark.parametrize(
    "forged",
    [
        "S12-0003",  # the plain ticket number (what the QR code said before)
        "S12-0004-{check}",  # another number with this ticket's check characters
        "S12-0003-{wrong}",  # altered check characters
    ],
)
def test_a_forged_or_altered_ticket_code_is_refused(forged):
    check = check_characters("S12-0003")
    wrong = ("B" if check[0] != "B" else "C") + check[1:]
    with pytest.raises(ForgedCode):
        read_code(forged.format(check=check, wrong=wrong))


def test_text_of_neither_kind_is_not_a_code():
    with pytest.raises(UnknownCode):
        read_code("https://example.com/")


def test_the_ticket_pdf_prints_the_code_its_qr_code_carries(client, session):
    member = MemberFactory()
    registration = registered(member, session)
    client.force_login(member.user)
    response = client.get(reverse("renewal:ticket", args=[registration.pk]))
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert f"受付コード {ticket_code(registration.ticket_number)}" in text


# --- the service ----------------------------------------------------------------------------------


def test_check_in_once_marks_attended_with_the_credit_and_history(session, receptionist):
    registration = registered(MemberFactory(family_name="佐藤", given_name="健"), session)
    outcome = scan(session, ticket_code(registration.ticket_number), user=receptionist)
    assert outcome.status == checkin.ATTENDED
    assert outcome.person["name"] == "佐藤 健" and outcome.person["fee"] == "参加費なし"
    registration.refresh_from_db()
    assert registration.attended
    assert Credit.objects.filter(member=registration.member, session=session, points=10).count() == 1
    entry = ModelLogEntry.objects.get(object_id=str(registration.pk), action="renewal.registration.attended")
    assert entry.user_id == receptionist.pk and entry.data["via"] == "desk"


def test_a_second_scan_says_when_it_was_recorded_and_changes_nothing(session, receptionist):
    registration = registered(MemberFactory(), session)
    code = ticket_code(registration.ticket_number)
    scan(session, code, user=receptionist)
    registration.refresh_from_db()
    again = scan(session, code, user=receptionist)
    assert again.status == checkin.ALREADY
    assert f"{timezone.localtime(registration.attended_at):%H:%M}に参加済" in again.message
    assert Credit.objects.filter(session=session).count() == 1
    assert ModelLogEntry.objects.filter(action="renewal.registration.attended").count() == 1


def test_looking_first_marks_nothing_until_the_tap(session):
    registration = registered(MemberFactory(), session)
    outcome = scan(session, ticket_code(registration.ticket_number), action=checkin.LOOK)
    assert outcome.status == checkin.FOUND
    registration.refresh_from_db()
    assert not registration.attended


def test_a_forged_code_is_refused_and_names_nobody(session):
    registration = registered(MemberFactory(), session)
    outcome = scan(session, registration.ticket_number)  # the bare number, no check characters
    assert outcome.status == checkin.REFUSED and outcome.person == {}
    registration.refresh_from_db()
    assert not registration.attended


def test_a_ticket_of_another_session_is_refused(session):
    other = SessionFactory(seminar=session.seminar)
    registration = registered(MemberFactory(), other)
    outcome = scan(session, ticket_code(registration.ticket_number))
    assert outcome.status == checkin.REFUSED and "別のセッション" in outcome.message


def test_an_unpaid_fee_is_taken_at_the_desk_as_counter_then_attended(session, receptionist):
    session.fee_member = 3000
    session.save()
    registration = registered(MemberFactory(), session)
    code = ticket_code(registration.ticket_number)
    assert scan(session, code).status == checkin.FEE_DUE
    outcome = scan(session, code, action=checkin.COLLECT, user=receptionist)
    assert outcome.status == checkin.ATTENDED
    invoice = Invoice.objects.get(pk=registration.invoice_id)
    assert invoice.status == Invoice.Status.PAID and invoice.channel == Invoice.Channel.COUNTER


def test_a_member_card_with_a_registration_checks_in(session):
    member = MemberFactory()
    registration = registered(member, session)
    assert scan(session, verify_url(member)).status == checkin.ATTENDED
    registration.refresh_from_db()
    assert registration.attended


def test_a_member_card_without_registration_offers_to_register_and_registers_on_the_spot(session, receptionist):
    member = MemberFactory()
    offer = scan(session, verify_url(member))
    assert offer.status == checkin.WALK_IN and offer.person["member_number"] == member.member_number
    assert not Registration.objects.filter(member=member).exists()
    outcome = scan(session, verify_url(member), action=checkin.REGISTER, user=receptionist)
    assert outcome.status == checkin.ATTENDED
    registration = Registration.objects.get(member=member, session=session)
    assert registration.attended and registration.ticket_number
    assert ModelLogEntry.objects.filter(action=checkin.DESK_REGISTERED_ACTION, user=receptionist).count() == 1


def test_a_walk_in_with_a_fee_needs_the_setting_and_is_paid_at_the_counter(session, receptionist):
    session.fee_member = 2000
    session.save()
    member = MemberFactory()
    assert scan(session, verify_url(member)).status == checkin.REFUSED  # default: free sessions only
    settings = CheckinSettings.load()
    settings.desk_registration = CheckinSettings.DeskRegistration.DESK_FEE
    settings.save()
    assert "2,000円" in scan(session, verify_url(member)).message
    assert scan(session, verify_url(member), action=checkin.REGISTER, user=receptionist).status == checkin.ATTENDED
    invoice = Registration.objects.get(member=member, session=session).invoice
    assert invoice.status == Invoice.Status.PAID and invoice.channel == Invoice.Channel.COUNTER


def test_a_walk_in_respects_the_capacity(session):
    session.capacity = 1
    session.save()
    registered(MemberFactory(), session)
    outcome = scan(session, verify_url(MemberFactory()), action=checkin.REGISTER)
    assert outcome.status == checkin.REFUSED and "定員" in outcome.message


def test_a_card_superseded_by_a_renewal_is_refused(session):
    member = MemberFactory(certification_expires_on=days(100))
    registered(member, session)
    old_card = verify_url(member)
    member.certification_expires_on = days(100 + 5 * 365)
    member.save()
    assert scan(session, old_card).status == checkin.REFUSED


def test_counts_and_those_not_arrived(session):
    first, second, third = (registered(MemberFactory(), session) for _ in range(3))
    Registration.objects.filter(pk=third.pk).update(state=Registration.State.CANCELLED)
    scan(session, ticket_code(first.ticket_number))
    assert checkin.desk_counts(session) == {"registered": 2, "checked_in": 1, "not_arrived": 1}
    assert [registration.pk for registration in checkin.not_arrived(session)] == [second.pk]


# --- the pages ------------------------------------------------------------------------------------


def test_the_endpoint_checks_in_once_then_says_already(desk, session):
    registration = registered(MemberFactory(), session)
    code = ticket_code(registration.ticket_number)
    status, data = post(desk, session, code)
    assert status == 200 and data["status"] == "attended"
    assert data["counts"] == {"registered": 1, "checked_in": 1, "not_arrived": 0}
    status, data = post(desk, session, code)
    assert data["status"] == "already" and "参加済になっています" in data["message"]


def test_the_desk_page_lists_those_not_arrived_in_constant_queries(desk, session, django_assert_max_num_queries):
    for _ in range(3):
        registered(MemberFactory(), session)
    url = reverse("checkin:desk", args=[session.pk])
    with django_assert_max_num_queries(40) as few:
        desk.get(url)
    for _ in range(10):
        registered(MemberFactory(), session)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = desk.get(url)
    page = response.content.decode()
    assert response.status_code == 200 and page.count("data-registration=") == 13
    assert 'src="/static/renewal/checkin.js"' in page and "<script>" not in page


def test_todays_sessions_are_offered(desk, session):
    SessionFactory(seminar=SeminarFactory(starts_on=days(3)))  # not today
    page = desk.get(reverse("checkin:sessions")).content.decode()
    assert reverse("checkin:desk", args=[session.pk]) in page and page.count("checkin-session-link") == 1
    header = page[page.index("<header") : page.index("</header>")]
    assert "受付" in header and "ホーム" not in header  # the header names the page


def test_the_sessions_page_counts_each_session(desk, session):
    arrived = registered(MemberFactory(), session)
    registered(MemberFactory(), session)
    registered(MemberFactory(), session)
    scan(session, ticket_code(arrived.ticket_number))
    cancelled = registered(MemberFactory(), session)
    cancelled.state = Registration.State.CANCELLED
    cancelled.save()
    page = desk.get(reverse("checkin:sessions")).content.decode()
    assert "申込 3名・受付済 1名・未着 2名" in page  # the cancelled registration is not counted


def test_a_user_without_the_permission_is_refused(client, session):
    registration = registered(MemberFactory(), session)
    editor = log_in_staff(client, user_in("編集者"))
    response = editor.post(
        reverse("checkin_scan", args=[session.pk]),
        {"code": ticket_code(registration.ticket_number), "action": "attend"},
    )
    assert response.status_code in (302, 403)  # Wagtail sends a refused admin request to the admin's home
    assert editor.get(reverse("checkin:desk", args=[session.pk])).status_code in (302, 403)
    registration.refresh_from_db()
    assert not registration.attended


def test_the_scan_endpoint_asks_what_the_admin_asks(client, session, receptionist):
    """The endpoint is served outside Wagtail's admin wrapper: a receptionist whose second factor
    is not verified, a user with 受付 but without the admin's access, and a session that ended
    are kept out as from the admin, and nothing is marked."""
    registration = registered(MemberFactory(), session)
    url, data = reverse("checkin_scan", args=[session.pk]), {"code": ticket_code(registration.ticket_number)}
    enrolled_device(receptionist)
    client.force_login(receptionist)  # password only
    response = client.post(url, {**data, "action": "attend"})
    assert response.status_code == 302 and response.url.startswith(reverse("two_factor:verify"))
    without_admin = StaffUserFactory()
    without_admin.user_permissions.add(Permission.objects.get(codename="check_in"))
    assert log_in_staff(client, without_admin).post(url, {**data, "action": "attend"}).status_code == 403
    client.logout()
    response = client.post(url, {**data, "action": "attend"})
    assert response.status_code == 302 and response.url.startswith(reverse("wagtailadmin_login"))
    registration.refresh_from_db()
    assert not registration.attended


def test_a_member_is_kept_out(client, session):
    member = MemberFactory()
    client.force_login(member.user)
    response = client.post(reverse("checkin_scan", args=[session.pk]), {"code": "x", "action": "attend"})
    assert response.status_code in (302, 403)


def test_a_receptionist_sees_nothing_else_of_the_admin(desk, client):
    response = desk.get(reverse("wagtailadmin_home"))
    assert response.status_code == 302 and response.url == reverse("checkin:sessions")  # the desk is their home
    assert "受付" in desk.get(response.url).content.decode()
    for name in ("wagtailsnippets_renewal_registration:list", "wagtailsnippets_membership_invoice:list"):
        response = desk.get(reverse(name))
        assert response.status_code in (302, 403), name
    assert desk.get(reverse("imports:index")).status_code in (302, 403)


def test_the_secretariat_keeps_the_admin_home(client):
    secretariat = log_in_staff(client, user_in("事務局"))
    assert secretariat.get(reverse("wagtailadmin_home")).status_code == 200


def test_the_receptionist_group_has_only_admin_access_and_check_in():
    codenames = set(Group.objects.get(name="受付").permissions.values_list("codename", flat=True))
    assert codenames == {"access_admin", "check_in"}
    assert user_in("事務局").has_perm("renewal.check_in")
    assert not StaffUserFactory().has_perm("renewal.check_in")


def test_the_setting_marks_at_once_on_reading(desk, session):
    url = reverse("checkin:desk", args=[session.pk])
    assert 'data-attend-on-scan="0"' in desk.get(url).content.decode()
    settings = CheckinSettings.load()
    settings.attend_on_scan = True
    settings.save()
    page = desk.get(url).content.decode()
    assert 'data-attend-on-scan="1"' in page and "読み取ると、すぐ参加済にします" in page


def test_a_scan_costs_the_same_queries_however_many_registered(desk, session, django_assert_max_num_queries):
    first, second = registered(MemberFactory(), session), registered(MemberFactory(), session)
    url = reverse("checkin_scan", args=[session.pk])
    with django_assert_max_num_queries(30) as few:
        desk.post(url, {"code": ticket_code(first.ticket_number), "action": "attend"})
    for _ in range(10):
        scan(session, ticket_code(registered(MemberFactory(), session).ticket_number))
    with django_assert_max_num_queries(len(few.captured_queries)):
        desk.post(url, {"code": ticket_code(second.ticket_number), "action": "attend"})


@pytest.mark.parametrize("action", [checkin.LOOK, checkin.REGISTER])
def test_a_walk_in_on_a_session_not_held_yet_is_refused_and_nothing_is_written(session, receptionist, action):
    later = SessionFactory(seminar=SeminarFactory(starts_on=days(14), application_closes_on=days(-1)))
    member = MemberFactory()
    outcome = scan(later, verify_url(member), action=action, user=receptionist)
    assert outcome.status == checkin.REFUSED and "開催日(" in outcome.message
    assert outcome.person["fee"] == "参加費なし"
    assert not Registration.objects.filter(member=member).exists()


def test_a_fee_taken_for_a_session_not_held_yet_is_refused_and_the_invoice_stays_unpaid(receptionist):
    later = SessionFactory(seminar=SeminarFactory(starts_on=days(14)), fee_member=3000)
    registration = registered(MemberFactory(), later)
    outcome = scan(later, ticket_code(registration.ticket_number), action=checkin.COLLECT, user=receptionist)
    assert outcome.status == checkin.REFUSED
    assert Invoice.objects.get(pk=registration.invoice_id).status == Invoice.Status.UNPAID
