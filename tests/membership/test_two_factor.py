"""Staff two-factor login: no admin page without a verified device, enrolment at the first
login, a code logs in, recovery codes work once each, and a colleague's reset."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from wagtail.models import ModelLogEntry

from membership.two_factor import RESET_ACTION
from tests.factories import DEFAULT_PASSWORD, StaffUserFactory, user_in
from tests.two_factor import current_code, enrolled_device, log_in_staff

pytestmark = pytest.mark.django_db

ADMIN_PAGES = ["/admin/", "/admin/snippets/membership/member/", "/admin/pages/", "/admin/two-factor/"]


def password_login(client, user):
    response = client.post(reverse("member:login"), {"username": user.username, "password": DEFAULT_PASSWORD})
    assert response.status_code == 302
    return client


@pytest.mark.parametrize("url", ADMIN_PAGES)
def test_a_staff_session_without_a_device_is_sent_to_enrolment_from_every_admin_page(client, url):
    password_login(client, user_in("事務局"))

    response = client.get(url)

    assert response.status_code == 302
    assert response.url.startswith(reverse("two_factor:setup"))


@pytest.mark.parametrize("url", ADMIN_PAGES)
def test_an_enrolled_staff_member_must_give_a_code_before_any_admin_page(client, url):
    staff = user_in("事務局")
    enrolled_device(staff)
    password_login(client, staff)

    response = client.get(url)

    assert response.status_code == 302
    assert response.url.startswith(reverse("two_factor:verify"))


def test_the_superuser_is_asked_too(client):
    admin = StaffUserFactory(is_superuser=True)
    password_login(client, admin)

    assert client.get("/admin/").url.startswith(reverse("two_factor:setup"))


def test_members_are_not_asked_for_a_second_factor(member_client):
    assert member_client.get(reverse("member:dashboard")).status_code == 200
    assert member_client.get(reverse("two_factor:setup")).status_code == 403


def test_enrolment_shows_a_qr_code_and_the_first_code_from_the_app_opens_the_admin(client):
    staff = user_in("事務局")
    password_login(client, staff)

    page = client.get(reverse("two_factor:setup"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html and "2段階認証の登録" in html
    device = TOTPDevice.objects.get(user=staff, confirmed=False)

    wrong = client.post(
        reverse("two_factor:setup"), {"code": "000000" if current_code(device) != "000000" else "111111"}
    )
    assert "確認コードが正しくありません" in wrong.content.decode()
    assert client.get("/admin/").status_code == 302

    with time_machine.travel(timezone.now() + timedelta(seconds=5), tick=False):  # past the throttle delay
        done = client.post(reverse("two_factor:setup"), {"code": current_code(device)})
        assert done.status_code == 200
        assert "リカバリーコード" in done.content.decode()
        assert len(done.context["codes"]) == 10
        # Ten codes of eight characters each, as the code field's help says.
        assert {len(code) for code in done.context["codes"]} == {8} and "8文字" in html
        assert client.get("/admin/").status_code == 200
    device.refresh_from_db()
    assert device.confirmed


def test_a_code_from_the_app_logs_in(client):
    staff = user_in("事務局")
    device = enrolled_device(staff)
    password_login(client, staff)

    response = client.post(reverse("two_factor:verify") + "?next=/admin/pages/", {"code": current_code(device)})

    assert response.status_code == 302 and response.url == "/admin/pages/"
    assert client.get("/admin/").status_code == 200


def test_a_wrong_code_keeps_the_admin_closed(client):
    staff = user_in("事務局")
    device = enrolled_device(staff)
    password_login(client, staff)
    wrong = "000000" if current_code(device) != "000000" else "111111"

    response = client.post(reverse("two_factor:verify"), {"code": wrong})

    assert response.status_code == 200
    assert "確認コードが正しくありません" in response.content.decode()
    assert client.get("/admin/").status_code == 302
    # Logging out stays open to an unverified session.
    assert not client.post(reverse("wagtailadmin_logout")).url.startswith("/staff/two-factor/")
    assert "_auth_user_id" not in client.session


def enrol_through_the_pages(client, staff):
    password_login(client, staff)
    client.get(reverse("two_factor:setup"))
    device = TOTPDevice.objects.get(user=staff, confirmed=False)
    return client.post(reverse("two_factor:setup"), {"code": current_code(device)}).context["codes"]


def test_each_recovery_code_works_once(client, django_user_model):
    from django.test import Client

    staff = user_in("事務局")
    codes = enrol_through_the_pages(client, staff)

    first = password_login(Client(), staff)
    response = first.post(reverse("two_factor:verify"), {"code": codes[0].upper()})
    assert response.status_code == 302
    assert first.get("/admin/").status_code == 200

    again = password_login(Client(), staff)
    refused = again.post(reverse("two_factor:verify"), {"code": codes[0]})
    assert "確認コードが正しくありません" in refused.content.decode()
    assert again.get("/admin/").status_code == 302

    with time_machine.travel(timezone.now() + timedelta(seconds=5), tick=False):  # past the throttle delay
        assert again.post(reverse("two_factor:verify"), {"code": codes[1]}).status_code == 302
        assert again.get("/admin/").status_code == 200


def test_a_colleague_resets_a_lost_device_and_the_owner_enrols_again(client):
    from django.test import Client

    colleague = user_in("事務局", username="jimu-sato")
    owner = user_in("事務局", username="jimu-tanaka")
    owner_client = log_in_staff(Client(), owner)
    assert owner_client.get("/admin/").status_code == 200
    log_in_staff(client, colleague)

    listing = client.get(reverse("two_factor_admin:index"))
    assert "jimu-tanaka" in listing.content.decode()
    response = client.post(reverse("two_factor_admin:reset", args=[owner.pk]))

    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=owner).exists()
    # The owner's open session is no longer verified: back to enrolment.
    assert owner_client.get("/admin/").url.startswith(reverse("two_factor:setup"))
    entry = ModelLogEntry.objects.get(action=RESET_ACTION)
    assert entry.user == colleague and entry.object_id == str(owner.pk)


def test_editors_cannot_reset_anyone(client):
    owner = user_in("事務局")
    enrolled_device(owner)
    log_in_staff(client, user_in("編集者"))

    # Wagtail answers a refused admin page with a redirect to the dashboard.
    assert client.get(reverse("two_factor_admin:index")).url == "/admin/"
    assert client.post(reverse("two_factor_admin:reset", args=[owner.pk])).url == "/admin/"
    assert TOTPDevice.objects.filter(user=owner).exists()
