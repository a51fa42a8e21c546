"""Guide 6 学会・セミナー参加一覧, 取消 and the 受講票 PDF; every URL refuses another member's registration."""

import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from membership.billing.payments import record_manual_payment
from membership.models import Invoice
from renewal.attendance import mark_attended
from renewal.models import Registration, Session
from renewal.registrations import register
from tests.factories import MemberFactory
from tests.renewal.factories import SeminarFactory, SessionFactory, days

pytestmark = pytest.mark.django_db

URL = reverse("renewal:participations")
ONSITE = Registration.Format.ONSITE


def apply(member, **session_kwargs):
    seminar_kwargs = session_kwargs.pop("seminar", {})
    session = SessionFactory(seminar=SeminarFactory(**seminar_kwargs), **session_kwargs)
    return register(member=member, session=session, participation_format=ONSITE)


def pay(registration):
    record_manual_payment(
        invoice_id=registration.invoice_id, channel=Invoice.Channel.COUNTER, paid_on=days(0), notify=False
    )
    registration.refresh_from_db()
    return registration


def rows(response):
    return [registration.session.title for registration in response.context["page_obj"].object_list]


def test_lists_the_members_registrations_with_payment_state(member_client, member):
    free = apply(
        member, title="無料セッション", seminar={"title": "近畿消化器内視鏡技師学会", "venue": "オービックホール"}
    )
    unpaid = apply(member, title="有料未納", fee_member=3000)
    paid = pay(apply(member, title="有料入金済", fee_member=3000))
    apply(MemberFactory(), title="他の会員の申込")

    response = member_client.get(URL)
    assert sorted(rows(response)) == sorted(["無料セッション", "有料入金済", "有料未納"])
    body = response.content.decode()
    for text in ["近畿消化器内視鏡技師学会", "オービックホール", "会場", "支払日", "受講票"]:
        assert text in body
    assert "未納" in body and reverse("member:payment_start", args=[unpaid.invoice_id]) in body
    assert paid.invoice.paid_on.strftime("%Y/%m/%d") in body
    assert reverse("member:receipt", args=[paid.invoice_id]) in body
    assert reverse("renewal:ticket", args=[free.pk]) in body and reverse("renewal:ticket", args=[paid.pk]) in body
    assert reverse("renewal:ticket", args=[unpaid.pk]) not in body  # issued once paid
    assert "お支払い後に発行" in body


def test_attended_ones_are_hidden_unless_asked_for(member_client, member):
    attended = apply(member, title="参加済のセッション")
    Session.objects.filter(pk=attended.session_id).update(held_on=days(0))  # held today
    mark_attended(registration=attended)
    apply(member, title="これから")
    assert rows(member_client.get(URL)) == ["これから"]
    response = member_client.get(URL, {"include_attended": "on"})
    assert sorted(rows(response)) == ["これから", "参加済のセッション"]
    assert "参加済</span>" in response.content.decode()


def test_cancelled_ones_are_not_listed_and_the_filters_apply(member_client, member):
    gone = apply(member, title="取消済")
    member_client.post(reverse("renewal:registration_cancel", args=[gone.pk]))
    apply(member, title="A", seminar={"title": "第91回日本消化器内視鏡技師学会", "starts_on": days(30)})
    apply(member, title="B", seminar={"title": "内視鏡機器講習会", "starts_on": days(60)})
    assert sorted(rows(member_client.get(URL))) == ["A", "B"]
    assert rows(member_client.get(URL, {"title": "機器"})) == ["B"]
    assert rows(member_client.get(URL, {"date_to": days(40).isoformat()})) == ["A"]
    assert rows(member_client.get(URL, {"date_from": days(40).isoformat()})) == ["B"]
    assert "検索条件に該当する学会・セミナーがありません" in member_client.get(URL, {"title": "なし"}).content.decode()


def test_cancel_button_cancels_and_says_so(member_client, member):
    registration = apply(member, title="取り消すセッション", fee_member=3000)
    assert "取消</button>" in member_client.get(URL).content.decode()
    response = member_client.post(reverse("renewal:registration_cancel", args=[registration.pk]), follow=True)
    assert "参加申込を取り消しました" in response.content.decode()
    registration.refresh_from_db()
    assert registration.state == Registration.State.CANCELLED
    assert Invoice.objects.get().status == Invoice.Status.CANCELLED


def test_a_paid_registration_has_no_cancel_button_and_a_post_is_refused(member_client, member):
    registration = pay(apply(member, fee_member=3000))
    assert "取消</button>" not in member_client.get(URL).content.decode()
    response = member_client.post(reverse("renewal:registration_cancel", args=[registration.pk]), follow=True)
    assert "事務局へお問い合わせください" in response.content.decode()
    registration.refresh_from_db()
    assert registration.state == Registration.State.APPLIED


@pytest.mark.parametrize("count", [3, 30])
def test_query_count_does_not_depend_on_rows(member_client, member, django_assert_num_queries, count):
    for n in range(count):
        registration = apply(member, fee_member=1000 * (n % 3))
        if n % 3 == 1:
            pay(registration)
    member_client.get(URL)
    # session, user with member; the page of rows (they fit on it: no count); the waiting list
    # (キャンセル待ち) (the layout's site and settings and the menu's open 更新延長 programmes come from the cache)
    with django_assert_num_queries(4):
        response = member_client.get(URL, {"per_page": 50})
    assert len(rows(response)) == count


def test_ten_a_page(member_client, member):
    for n in range(12):
        apply(member, title=f"S{n}")
    response = member_client.get(URL)
    assert len(rows(response)) == 10
    assert "12件中1-10件を表示" in response.content.decode()


# --- 受講票 ---------------------------------------------------------------------------------


def ticket_text(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    return PdfReader(io.BytesIO(response.content)).pages[0].extract_text()


def test_ticket_pdf_says_who_what_when_where(member_client, member):
    seminar = {
        "title": "第91回日本消化器内視鏡技師学会",
        "venue": "奈良県コンベンションセンター",
        "starts_on": days(30),
    }
    registration = apply(member, title="内視鏡技師学会", seminar=seminar)
    response = member_client.get(reverse("renewal:ticket", args=[registration.pk]))
    assert f"ticket-{registration.ticket_number}.pdf" in response["Content-Disposition"]
    text = ticket_text(response)
    for expected in [
        "受講票",
        registration.ticket_number,
        member.member_number,
        member.full_name,
        "第91回日本消化器内視鏡技師学会",
        "内視鏡技師学会",
        "奈良県コンベンションセンター",
        "会場",
        f"{days(30).year}年{days(30).month}月{days(30).day}日",
    ]:
        assert expected in text, expected
    assert len(PdfReader(io.BytesIO(response.content)).pages[0].images) == 1  # the QR code


def test_ticket_waits_for_the_fee(member_client, member):
    registration = apply(member, fee_member=3000)
    response = member_client.get(reverse("renewal:ticket", args=[registration.pk]), follow=True)
    assert "参加費のお支払いを確認した後に受講票を発行できます" in response.content.decode()
    pay(registration)
    assert registration.ticket_number in ticket_text(
        member_client.get(reverse("renewal:ticket", args=[registration.pk]))
    )


def test_a_cancelled_registrations_ticket_is_not_found(member_client, member):
    registration = apply(member)
    member_client.post(reverse("renewal:registration_cancel", args=[registration.pk]))
    assert member_client.get(reverse("renewal:ticket", args=[registration.pk])).status_code == 404


def test_another_members_registration_is_not_found_at_every_url(member_client, member):
    theirs = apply(MemberFactory(), fee_member=0, title="他の会員のセッション")
    assert member_client.get(reverse("renewal:ticket", args=[theirs.pk])).status_code == 404
    assert member_client.post(reverse("renewal:registration_cancel", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.state == Registration.State.APPLIED
    assert rows(member_client.get(URL, {"include_attended": "on"})) == []


def test_cancel_only_by_post(member_client, member):
    registration = apply(member)
    assert member_client.get(reverse("renewal:registration_cancel", args=[registration.pk])).status_code == 405
