"""Guest accounts (ゲストユーザー): non-members who sign up to register for seminars."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from membership.accounts import normalize_login_id
from membership.billing.dues import plan_dues
from membership.billing.invoices import create_invoice
from membership.guests import next_guest_number, register_guest
from membership.models import DuesRule, Invoice, Member, User
from membership.shell import menu_entries
from tests.factories import MemberFactory, UserFactory, guest_member

pytestmark = pytest.mark.django_db

SIGN_UP = {
    "family_name": "佐藤",
    "given_name": "花子",
    "family_name_kana": "さとう",  # hiragana becomes katakana (the members' rule)
    "given_name_kana": "ﾊﾅｺ",
    "email": "hanako@example.jp",
    "phone": "０９０-１２３４-５６７８",
    "workplace_name": "奈良中央病院",
    "workplace_prefecture": "奈良県",
    "consent": "on",
}


def sign_up(client, captured, **changes):
    with captured(execute=True):
        return client.post(reverse("member:guest_register"), {**SIGN_UP, **changes})


def test_sign_up_creates_account_and_profile_and_mails_number_and_link(client, django_capture_on_commit_callbacks):
    guest_member("G0000007")
    MemberFactory(member_number="0099999")  # member numbers do not count
    response = sign_up(client, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    assert response.url == reverse("member:guest_registered")

    member = Member.objects.get(member_number="G0000008")
    assert member.status == Member.Status.GUEST
    assert (member.family_name_kana, member.given_name_kana) == ("サトウ", "ハナコ")
    assert member.phone == "09012345678"
    assert (member.workplace_name, member.workplace_prefecture) == ("奈良中央病院", "奈良県")
    user = member.user
    assert (user.username, user.kind, user.email) == ("G0000008", User.Kind.GUEST, "hanako@example.jp")
    assert not user.has_usable_password()

    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == ["hanako@example.jp"]
    assert "G0000008" in sent.body
    assert "/member/password/reset/" in sent.body

    page = client.get(response.url).content.decode()
    assert "hanako@example.jp" in page
    assert "G0000008" not in page  # only in the mail


def test_first_guest_number():
    assert next_guest_number() == "G0000001"


def test_a_registered_address_gets_the_same_page_and_a_mail_saying_so(client, django_capture_on_commit_callbacks):
    """The page must not tell who is registered: the same answer, a different mail."""
    MemberFactory(user=UserFactory(email="Hanako@Example.jp"))
    response = sign_up(client, django_capture_on_commit_callbacks)
    assert response.status_code == 302 and response.url == reverse("member:guest_registered")
    assert "メールを送信しました" in client.get(response.url).content.decode()
    assert not Member.objects.filter(status=Member.Status.GUEST).exists()
    assert len(mail.outbox) == 1
    assert "すでに会員またはゲストとして登録されています" in mail.outbox[0].body
    assert reverse("member:password_reset") in mail.outbox[0].body


def test_required_fields_and_consent_have_japanese_messages(client, django_capture_on_commit_callbacks):
    response = sign_up(client, django_capture_on_commit_callbacks, family_name_kana="Sato", consent="", phone="")
    errors = response.context["form"].errors
    assert errors["family_name_kana"] == ["フリガナは全角カタカナで入力してください。"]
    assert errors["consent"] == ["個人情報の取り扱いへの同意が必要です。"]
    assert "入力してください" in errors["phone"][0]
    assert not Member.objects.exists()


def test_a_filled_honeypot_stores_and_sends_nothing(client, django_capture_on_commit_callbacks):
    response = sign_up(client, django_capture_on_commit_callbacks, homepage="http://spam.example")
    assert response.status_code == 302
    assert not User.objects.exists()
    assert mail.outbox == []
    assert "メールを送信しました" in client.get(response.url).content.decode()


def test_login_page_links_to_sign_up_and_mentions_the_guest_number(client):
    body = client.get(reverse("member:login")).content.decode()
    assert reverse("member:guest_register") in body
    assert "非会員の方(ゲスト登録)" in body
    assert "ゲストの方はゲストユーザー番号" in body


def test_guest_numbers_are_upper_cased_at_login():
    assert normalize_login_id(" g0000001 ") == "G0000001"
    assert normalize_login_id("ｇ００００００１") == "G0000001"
    assert normalize_login_id("jimu-suzuki") == "jimu-suzuki"
    assert normalize_login_id("Admin") == "Admin"


def test_set_password_through_the_mailed_link_then_log_in_with_the_guest_number(
    client, django_capture_on_commit_callbacks
):
    sign_up(client, django_capture_on_commit_callbacks)
    link = re.search(r"https?://\S+", mail.outbox[0].body).group(0)
    page = client.get(link, follow=True)
    assert page.context["validlink"]
    form_url = page.redirect_chain[-1][0]
    done = client.post(form_url, {"new_password1": "Guest2026pass", "new_password2": "Guest2026pass"}, follow=True)
    assert "パスワードを設定しました" in done.content.decode()

    response = client.post(reverse("member:login"), {"username": "g0000001", "password": "Guest2026pass"})
    assert response.status_code == 302
    assert response.url == reverse("member:dashboard")
    dashboard = client.get(reverse("member:dashboard")).content.decode()
    assert "G0000001" in dashboard


GUEST_MENU = [
    "ダッシュボード",
    "会員詳細",
    "会費支払い明細",
    "学会・セミナー一覧",
    "学会・セミナー参加一覧",
    "お知らせ一覧",
    "お問い合わせ",
    "パスワード再設定",
]
HIDDEN_FROM_GUESTS = [
    "member:card",
    "renewal:credits",
    "renewal:credits_pdf",
    "renewal:renewal",
    "renewal:renewal_apply",
    "renewal:extension",
    "member:application_leave",
    "member:application_return",
    "member:application_withdrawal",
]


def test_guest_menu_shows_the_pages_for_guests_only(client):
    guest = guest_member()
    assert [entry.label for entry in menu_entries(guest)] == GUEST_MENU
    client.force_login(guest.user)
    dashboard = client.get(reverse("member:dashboard")).content.decode()
    for entry in menu_entries(guest):
        assert entry.url in dashboard
        assert client.get(entry.url).status_code == 200, entry.url
    for url_name in HIDDEN_FROM_GUESTS:
        assert f'href="{reverse(url_name)}"' not in dashboard, url_name


def test_members_still_see_their_entries(member):
    labels = [entry.label for entry in menu_entries(member)]
    assert {"デジタル会員証確認", "受講履歴ポイント照会", "資格更新確認", "退会申請"} <= set(labels)


def test_pages_about_membership_answer_403_for_guests(client):
    client.force_login(guest_member().user)
    for url_name in HIDDEN_FROM_GUESTS:
        response = client.get(reverse(url_name))
        assert response.status_code == 403, url_name
        assert "会員の方のみご利用いただけます" in response.text
    for url_name, kwargs in (
        ("member:application_cancel", {"application_id": 1}),
        ("renewal:renewal_cancel", {"application_id": 1}),
    ):
        assert client.post(reverse(url_name, kwargs=kwargs)).status_code == 403, url_name


def test_no_unpaid_dues_notice_for_a_guests_seminar_fee(client):
    guest = guest_member()
    create_invoice(
        member=guest,
        category=Invoice.Category.SEMINAR_FEE,
        fiscal_year=2026,
        subject="seminar:1",
        amount=6000,
        purpose="セミナー 参加費として",
    )
    client.force_login(guest.user)
    assert "未納の年会費" not in client.get(reverse("member:dashboard")).content.decode()
    assert "6,000" in client.get(reverse("member:dues")).content.decode()


def test_dues_generation_skips_guests():
    guest = guest_member()
    member = MemberFactory()
    DuesRule.objects.create(fiscal_year=2026, member_status=Member.Status.ACTIVE, amount=8000)
    roll = plan_dues(fiscal_year=2026)
    assert [pk for pk, _, _ in roll.to_bill] == [member.pk]
    assert roll.skipped == {"非会員(ゲスト)(会費設定なし)": 1}
    assert roll.skipped_examples["非会員(ゲスト)(会費設定なし)"] == [guest.member_number]


def test_member_listing_filters_by_the_guest_status(staff_client):
    guest = guest_member()
    member = MemberFactory()
    url = reverse("wagtailsnippets_membership_member:list")
    body = staff_client.get(url).content.decode()
    assert 'value="guest"' in body and "非会員(ゲスト)" in body
    filtered = staff_client.get(url, {"status": "guest"})
    assert filtered.status_code == 200
    assert guest.member_number in filtered.content.decode()
    assert member.member_number not in filtered.content.decode()


def test_a_guest_pays_a_seminar_fee_through_the_ordinary_flow(client):
    """① profile confirm → ② the profile form (an address for the receipt) → ③ the method."""
    from tests.membership.test_profile import form_data

    guest = guest_member(workplace_name="奈良中央病院", workplace_prefecture="奈良県")
    invoice = create_invoice(
        member=guest,
        category=Invoice.Category.SEMINAR_FEE,
        fiscal_year=2026,
        subject="seminar:1",
        amount=6000,
        purpose="セミナー 参加費として",
    )
    client.force_login(guest.user)
    start = client.get(reverse("member:payment_start", args=[invoice.pk]))
    assert start.url == f"{reverse('member:profile_edit')}?invoice={invoice.pk}"
    saved = client.post(start.url, form_data(guest))
    assert saved.status_code == 302
    assert saved.url == reverse("member:payment_method", args=[invoice.pk])
    assert "6,000" in client.get(saved.url).content.decode()


def test_the_service_creates_nothing_for_a_registered_address():
    MemberFactory(user=UserFactory(email="hanako@example.jp"))
    data = {key: value for key, value in SIGN_UP.items() if key not in ("consent", "homepage")}
    assert register_guest(**data) is None
    assert not User.objects.filter(kind=User.Kind.GUEST).exists()


def test_one_address_gets_at_most_one_mail_a_day(client, django_capture_on_commit_callbacks):
    """Typing someone else's address again and again must not flood their mailbox."""
    for _ in range(3):
        response = sign_up(client, django_capture_on_commit_callbacks)
        assert response.status_code == 302 and response.url == reverse("member:guest_registered")
    assert len(mail.outbox) == 1
    assert User.objects.filter(kind=User.Kind.GUEST).count() == 1


def test_many_requests_from_one_network_address_are_refused(client, django_capture_on_commit_callbacks):
    from membership import guests

    for n in range(guests.IP_LIMIT):
        sign_up(client, django_capture_on_commit_callbacks, email=f"person{n}@example.jp")
    response = sign_up(client, django_capture_on_commit_callbacks, email="one-more@example.jp")
    assert response.status_code == 200
    assert "しばらくしてからもう一度お試しください" in response.content.decode()
    assert not User.objects.filter(email="one-more@example.jp").exists()
