"""seed_demo's seminars: some open now, a fee, a free e-learning, the demo member's history; twice is once;
the demo member's dashboard and points page have something to show."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from membership.models import Member
from renewal.demo import DEMO_MEMBER_NUMBER, WAITLIST_SEMINAR
from renewal.models import Credit, Registration, Seminar


def seed(settings):
    settings.DEBUG = True  # seed_demo refuses to run with DEBUG off
    with open("/dev/null", "w") as devnull:
        call_command("seed_demo", stdout=devnull)


@pytest.mark.django_db
def test_demo_seminars_and_the_demo_members_registrations(settings, client):
    seed(settings)
    seed(settings)
    assert Seminar.objects.filter(title="第91回日本消化器内視鏡技師学会").count() == 1
    member = Member.objects.get(member_number=DEMO_MEMBER_NUMBER)
    registrations = Registration.objects.filter(member=member)
    assert registrations.count() == 2
    assert registrations.filter(attended_at__isnull=False).count() == 1
    # The attended 第89回 and two paper certificates.
    assert Credit.objects.filter(member=member).count() == 3

    client.force_login(member.user)
    page = client.get(reverse("renewal:seminars")).context["page_obj"]
    open_rows = page.object_list
    assert any(session.fee_member == 3000 for session in open_rows)
    assert any(
        session.seminar.elearning and not session.seminar.onsite and session.fee_member == 0 for session in open_rows
    )
    assert any(session.seats.registered for session in open_rows)
    listed = client.get(reverse("renewal:participations")).context["page_obj"].object_list
    assert [r.session.seminar.title for r in listed] == ["第82回近畿消化器内視鏡技師学会"]
    # The full hands-on session's waiting list: the demo member is third in line.
    waiting = client.get(reverse("renewal:participations")).context["waiting_entries"]
    assert [(entry.session.seminar.title, entry.place) for entry in waiting] == [(WAITLIST_SEMINAR, 3)]


@pytest.mark.django_db
def test_demo_guest_logs_in_and_sees_a_session_open_to_guests_at_the_guests_fee(settings, client):
    seed(settings)
    seed(settings)
    guest = Member.objects.get(member_number="G0000001")
    assert guest.status == Member.Status.GUEST
    login = client.post(reverse("member:login"), {"username": "g0000001", "password": "Guest2026demo"})
    assert login.status_code == 302
    open_rows = client.get(reverse("renewal:seminars")).context["page_obj"].object_list
    assert open_rows and all(session.guests_allowed for session in open_rows)
    assert any(session.fee == 6000 for session in open_rows)


@pytest.mark.django_db
def test_demo_member_has_a_meaningful_dashboard_and_a_way_to_renewal(settings, client):
    seed(settings)
    member = Member.objects.get(member_number=DEMO_MEMBER_NUMBER)
    client.force_login(member.user)
    body = client.get(reverse("member:dashboard")).content.decode()
    assert '総得点</span><span class="dash-meter-value" id="points-total">26 / 50点' in body
    assert '20 / 20点 <span class="dash-tag">上限</span>' in body  # 技師学会・研究会 at its cap
    assert "未納 2件 合計 <strong>10,000円</strong>" in body
    assert "第82回近畿消化器内視鏡技師学会" in body  # the seminar the member registered for

    way = client.get(reverse("renewal:credits")).context["way"]
    suggested = {category.category.name: [s.session.seminar.title for s in category.sessions] for category in way.ways}
    assert suggested["機器講習会"] == ["第16回 内視鏡機器講習会", "第16回 内視鏡機器講習会"]
    assert suggested["医学・その他セミナー"] == ["e-ラーニング_1 (医学講義)", "e-ラーニング_2 (医学講義)"]
    assert [category.name for category in way.full] == ["技師学会・研究会"]  # 第91回 is open, but would add nothing


@pytest.mark.django_db
def test_demo_seminar_today_for_the_check_in_desk_and_its_receptionist(settings):
    from django.utils import timezone

    from membership.demo import DEMO_RECEPTIONIST_USERNAME
    from membership.models import User
    from renewal.checkin import can_check_in, todays_sessions
    from renewal.demo import CHECKIN_SEMINAR

    seed(settings)
    seed(settings)
    seminar = Seminar.objects.get(title=CHECKIN_SEMINAR)
    assert seminar.starts_on == timezone.localdate()
    sessions = [session for session in todays_sessions() if session.seminar_id == seminar.pk]
    assert [session.registrations.count() for session in sessions] == [7, 2]
    assert sessions[1].registrations.filter(invoice__status="unpaid").count() == 2  # the desk takes the fee
    receptionist = User.objects.get(username=DEMO_RECEPTIONIST_USERNAME)
    assert can_check_in(receptionist) and not receptionist.has_perm("membership.view_member")
