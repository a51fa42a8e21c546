"""Issue 14 出席証明書 in the admin: staff issue the certificate of a paper certificate's credit
(or any credit) from the 受講履歴 listing and inspect page; editors cannot."""

import io
import re

import pytest
from django.urls import reverse
from pypdf import PdfReader
from wagtail.models import ModelLogEntry

from renewal import certificates
from renewal.models import Credit
from tests.factories import MemberFactory, user_in
from tests.renewal.factories import days, give_certificates
from tests.two_factor import log_in_staff

pytestmark = pytest.mark.django_db

CREDITS = "wagtailsnippets_renewal_credit"


@pytest.fixture
def paper_credit():
    member = MemberFactory(member_number="0040001", family_name="佐藤", given_name="花子")
    give_certificates(member, {"機器講習会": 5}, day=days(-30))
    credit = member.credits.get()
    Credit.objects.filter(pk=credit.pk).update(
        title="第14回 内視鏡機器講習会", organizer="九州支部", venue="福岡国際会議場"
    )
    credit.refresh_from_db()
    return credit


def issue_url(credit):
    return reverse(f"{CREDITS}:certificate", args=[credit.pk])


def test_staff_issue_a_paper_certificates_credit_as_a_pdf(staff_client, staff_user, paper_credit):
    response = staff_client.get(issue_url(paper_credit))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    for expected in ("出席証明書", "佐藤 花子 様", "0040001", "第14回 内視鏡機器講習会", "九州支部", "福岡国際会議場"):
        assert expected in text, expected
    assert "5点(機器講習会)" in text
    assert "出席証明書による受講履歴" in text  # says it rests on a paper certificate
    assert certificates.make_token(paper_credit) in re.sub(r"\s", "", text)
    entry = ModelLogEntry.objects.get(action=certificates.ISSUED_ACTION)
    assert (
        entry.object_id == str(paper_credit.pk)
        and entry.user == staff_user
        and entry.data
        == {
            "by": "staff",
            "stamp": certificates._stamp(paper_credit),
        }
    )
    history = staff_client.get(reverse(f"{CREDITS}:history", args=[paper_credit.pk])).content.decode()
    assert "事務局が出席証明書を発行しました" in history


def test_the_listing_and_the_inspect_page_offer_the_button(staff_client, paper_credit):
    listing = staff_client.get(reverse(f"{CREDITS}:list")).content.decode()
    assert issue_url(paper_credit) in listing and "出席証明書を発行" in listing
    inspect = staff_client.get(reverse(f"{CREDITS}:inspect", args=[paper_credit.pk])).content.decode()
    assert issue_url(paper_credit) in inspect


def test_its_verification_page_says_valid(client, staff_client, paper_credit):
    staff_client.get(issue_url(paper_credit))
    client.logout()
    body = client.get(reverse("certificate_verify", args=[certificates.make_token(paper_credit)])).content.decode()
    assert "この出席証明書は有効です。" in body and "佐藤 花子" in body and "第14回 内視鏡機器講習会" in body


def test_editors_cannot_issue(client, paper_credit):
    editor = log_in_staff(client, user_in("編集者", username="henshu"))
    assert editor.get(issue_url(paper_credit)).status_code in (302, 403)
    assert not ModelLogEntry.objects.filter(action=certificates.ISSUED_ACTION).exists()


def test_members_cannot_reach_the_admins_issue(client, member, paper_credit):
    client.force_login(member.user)
    response = client.get(issue_url(paper_credit))
    assert response.status_code in (302, 403)
    assert response.get("Content-Type") != "application/pdf"


def test_an_unknown_credit_is_not_found(staff_client):
    assert staff_client.get(reverse(f"{CREDITS}:certificate", args=[999999])).status_code == 404
