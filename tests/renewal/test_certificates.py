"""Issue 14 出席証明書: the member's download (only for attended registrations, never another
member's), the PDF read back, and the public verification page behind its QR code."""

import datetime
import io
import re

import pytest
from django.urls import reverse
from pypdf import PdfReader
from wagtail.models import ModelLogEntry

from membership.card import CHECK_LIMIT
from membership.demo import DEMO_MEMBER_NUMBER
from membership.models import Member
from renewal import certificates
from renewal.attendance import award_credit, mark_attended
from renewal.models import Credit, Registration, Session
from renewal.registrations import register
from tests.cms_pages.conftest import seed_demo
from tests.factories import MemberFactory
from tests.renewal.factories import SeminarFactory, SessionFactory, days, give_certificates

pytestmark = pytest.mark.django_db

PARTICIPATIONS = reverse("renewal:participations")


def registration_for(member, *, attended=True, **session_kwargs):
    """``member``'s registration for a session held today (nara, 10 points), marked attended."""
    seminar = SeminarFactory(
        title=session_kwargs.pop("seminar_title", "第91回日本消化器内視鏡技師学会"),
        venue="奈良県コンベンションセンター",
        starts_on=days(0),
    )
    session = SessionFactory(seminar=seminar, title=session_kwargs.pop("title", "内視鏡技師学会"), **session_kwargs)
    registration = register(member=member, session=session, participation_format=Registration.Format.ONSITE)
    if attended:
        registration = mark_attended(registration=registration)
    return registration


def certificate_url(registration):
    return reverse("renewal:certificate", args=[registration.pk])


def pdf_text(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    return PdfReader(io.BytesIO(response.content)).pages[0].extract_text()


def credit_of(registration):
    return Credit.objects.get(member=registration.member, session=registration.session)


def verify_page(client, token, **extra):
    return client.get(reverse("certificate_verify", args=[token]), **extra)


# --- the member's download -------------------------------------------------------------------------


def test_the_pdf_says_who_attended_what_when_where_and_how_many_points(member_client, member):
    registration = registration_for(member)
    text = pdf_text(member_client.get(certificate_url(registration)))
    for expected in (
        "出席証明書",
        f"{member.full_name} 様",
        member.member_number,
        "第91回日本消化器内視鏡技師学会",
        "内視鏡技師学会",
        f"{days(0).year}年{days(0).month}月{days(0).day}日",
        "奈良県コンベンションセンター",
        "10点(技師学会・研究会)",
        "上記の者が、上記の学会・セミナーに出席したことを証明します。",
        "日本消化器内視鏡技師会",  # the issuer
    ):
        assert expected in text, expected
    # The printed verification URL (the QR code's) is the credit's, with its token.
    assert certificates.make_token(credit_of(registration)) in re.sub(r"\s", "", text)


def test_the_participation_list_offers_it_for_attended_registrations_only(member_client, member):
    attended = registration_for(member, title="参加したセッション")
    upcoming = registration_for(member, attended=False, title="これから")
    body = member_client.get(PARTICIPATIONS, {"include_attended": "on"}).content.decode()
    assert certificate_url(attended) in body
    assert certificate_url(upcoming) not in body


@pytest.mark.parametrize("state", ["not attended", "cancelled"])
def test_no_certificate_for_a_registration_not_attended(member_client, member, state):
    registration = registration_for(member, attended=False)
    if state == "cancelled":
        Registration.objects.filter(pk=registration.pk).update(state=Registration.State.CANCELLED)
    response = member_client.get(certificate_url(registration), follow=True)
    assert response.redirect_chain[-1][0] == PARTICIPATIONS
    assert "出席証明書は参加済の学会・セミナーについてのみ発行できます。" in response.content.decode()
    assert not ModelLogEntry.objects.filter(action=certificates.ISSUED_ACTION).exists()


def test_another_members_certificate_is_not_found(client, member):
    other = MemberFactory()
    registration = registration_for(other)
    client.force_login(member.user)
    assert client.get(certificate_url(registration)).status_code == 404
    client.force_login(other.user)
    assert client.get(certificate_url(registration)).status_code == 200


def test_it_needs_a_login(client, member):
    response = client.get(certificate_url(registration_for(member)))
    assert response.status_code == 302 and reverse("member:login") in response["Location"]


def test_a_download_is_written_in_the_credits_history(member_client, member):
    registration = registration_for(member)
    member_client.get(certificate_url(registration))
    entry = ModelLogEntry.objects.get(action=certificates.ISSUED_ACTION)
    assert entry.object_id == str(credit_of(registration).pk)
    credit = credit_of(registration)
    assert entry.user_id == member.user_id and entry.data == {"by": "member", "stamp": certificates._stamp(credit)}


def test_the_points_page_offers_it_for_attended_sessions_only(member_client, member):
    attended = registration_for(member, title="参加したセッション")
    # A credit from an attendance sheet without a registration, and a paper certificate: no download.
    imported_session = SessionFactory(title="取込のみのセッション", seminar=SeminarFactory(starts_on=days(-3)))
    award_credit(member=member, session=imported_session, source=Credit.Source.IMPORT)
    give_certificates(member, {"医学・その他セミナー": 3}, day=days(-5))

    body = member_client.get(reverse("renewal:credits")).content.decode()
    assert body.count('class="certificate-link"') == 1
    assert certificate_url(attended) in body


def test_the_points_page_queries_stay_constant_as_attended_sessions_grow(member_client, member):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    registration_for(member, seminar_title="一つ目")

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert member_client.get(reverse("renewal:credits")).status_code == 200
        return len(queries)

    count()  # warm: the first request of a session loads more (site settings)
    first = count()
    for n in range(4):
        registration_for(member, seminar_title=f"追加{n}")
    assert count() == first
    body = member_client.get(reverse("renewal:credits")).content.decode()
    assert body.count('class="certificate-link"') == 5


# --- verification ----------------------------------------------------------------------------------


def test_a_valid_certificate_shows_the_name_session_date_and_points_only(client):
    member = MemberFactory(family_name="山田", given_name="花子", birth_date=datetime.date(1980, 5, 12))
    registration = registration_for(member)
    response = verify_page(client, certificates.make_token(credit_of(registration)))
    assert response.status_code == 200
    body = response.content.decode()
    assert '<span class="verify-word">有効</span> この出席証明書は有効です。' in body
    for shown in (
        "山田 花子",
        "第91回日本消化器内視鏡技師学会 内視鏡技師学会",
        f"{days(0).month}月{days(0).day}日",
        "10点",
    ):
        assert shown in body, shown
    assert "証明書に記載の受講記録が当会に現在も登録されており" in body  # what valid means
    for private in (member.member_number, member.user.email, "1980", "奈良県"):
        assert private not in body, private
    assert "noindex" in response["X-Robots-Tag"] and "no-store" in response["Cache-Control"]


def forgeries(credit, other):
    token = certificates.make_token(credit)
    pk, tags = token.split(".")
    flipped = ("0" if tags[0] != "0" else "1") + tags[1:]
    return [
        f"{pk}.{flipped}",  # a tag altered
        f"{other.pk}.{tags}",  # another credit's number with this tag
        f"{pk}.{certificates.make_token(other).split('.')[1]}",  # another credit's tag
        f"{pk}.{'0' * len(tags)}",
        token[:-1],  # truncated
        str(pk),
        "x",
    ]


def test_a_forged_or_altered_token_shows_nothing(client):
    credit = credit_of(registration_for(MemberFactory(family_name="山田", given_name="花子")))
    other = credit_of(registration_for(MemberFactory(family_name="佐藤", given_name="一郎"), title="別のセッション"))
    for forged in forgeries(credit, other):
        response = verify_page(client, forged)
        assert response.status_code == 404, forged
        body = response.content.decode()
        assert "このQRコード(URL)は無効です。" in body
        assert "有効です" not in body and "花子" not in body and "一郎" not in body


def test_a_token_made_with_another_secret_is_refused(client, settings):
    credit = credit_of(registration_for(MemberFactory()))
    settings.SECRET_KEY = "another-secret-key-" + "x" * 40
    forged = certificates.make_token(credit)
    settings.SECRET_KEY = settings.SECRET_KEY[::-1]
    assert verify_page(client, forged).status_code == 404


def test_a_revoked_credit_reads_as_invalid_without_details(client):
    member = MemberFactory(family_name="山田", given_name="花子")
    give_certificates(member, {"機器講習会": 5}, day=days(-10))
    credit = member.credits.get()
    token = certificates.make_token(credit)
    credit.delete()  # staff deleted the paper certificate's credit (or an import was undone)
    response = verify_page(client, token)
    assert response.status_code == 200
    body = response.content.decode()
    assert '<span class="verify-word">無効</span>' in body and "取り消されている" in body
    assert "花子" not in body


def issued_token(registration):
    """The token of the certificate the member downloads (its issue is recorded with its stamp)."""
    member = registration.member
    credit = certificates.member_certificate(member=member, registration_id=registration.pk, user=member.user)
    return certificates.make_token(credit)


def test_a_corrected_credit_reads_as_invalid(client):
    registration = registration_for(MemberFactory())
    credit = credit_of(registration)
    token = issued_token(registration)
    Credit.objects.filter(pk=credit.pk).update(points=5)
    body = verify_page(client, token).content.decode()
    assert '<span class="verify-word">無効</span>' in body and "内容が訂正された" in body
    assert "5点" in body and "10点" not in body
    credit.refresh_from_db()
    assert "この出席証明書は有効です。" in verify_page(client, certificates.make_token(credit)).content.decode()


def test_an_altered_stamp_on_a_real_certificate_is_refused_not_read_as_a_correction(client):
    registration = registration_for(MemberFactory(family_name="山田", given_name="花子"))
    pk, tags = issued_token(registration).split(".")
    stamp = tags[-certificates.STAMP_LENGTH :]
    altered = f"{pk}.{tags[: -certificates.STAMP_LENGTH]}{'0' if stamp[0] != '0' else '1'}{stamp[1:]}"
    response = verify_page(client, altered)
    assert response.status_code == 404
    body = response.content.decode()
    assert "このQRコード(URL)は無効です。" in body and "訂正" not in body and "花子" not in body


def test_verification_is_throttled_per_network_address(client):
    url_token = certificates.make_token(credit_of(registration_for(MemberFactory())))
    for _ in range(CHECK_LIMIT):
        assert verify_page(client, url_token, REMOTE_ADDR="203.0.113.5").status_code == 200
    refused = verify_page(client, url_token, REMOTE_ADDR="203.0.113.5")
    assert refused.status_code == 429
    assert "短時間に多くの確認がありました" in refused.content.decode()
    assert verify_page(client, "1.guess", REMOTE_ADDR="203.0.113.5").status_code == 429  # guesses count too
    assert verify_page(client, url_token, REMOTE_ADDR="198.51.100.7").status_code == 200


# --- demo data -------------------------------------------------------------------------------------


def test_the_demo_member_can_download_certificates_of_attended_sessions(client, settings):
    seed_demo(settings)
    member = Member.objects.get(member_number=DEMO_MEMBER_NUMBER)
    attended = Registration.objects.filter(member=member, attended_at__isnull=False)
    assert attended.exists()
    client.force_login(member.user)
    body = client.get(PARTICIPATIONS, {"include_attended": "on"}).content.decode()
    for registration in attended:
        assert certificate_url(registration) in body
        assert "出席証明書" in pdf_text(client.get(certificate_url(registration)))
    assert Session.objects.filter(registrations__in=attended).exists()
