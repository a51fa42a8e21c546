"""Guide 3, 会員詳細: read-only first, 編集 to change, Japanese input rules at each field."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from core import japanese
from membership.models import Member
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def form_data(member, **changes):
    data = {
        "family_name": member.family_name,
        "given_name": member.given_name,
        "family_name_kana": member.family_name_kana,
        "given_name_kana": member.given_name_kana,
        "alternate_name": member.alternate_name,
        "home_postal_code": "100-0001",
        "home_prefecture": "東京都",
        "home_address1": "千代田区千代田1-1",
        "home_address2": "",
        "workplace_name": "",
        "workplace_postal_code": "",
        "workplace_prefecture": "",
        "workplace_address1": "",
        "workplace_address2": "",
        "mailing_address": "home",
        "email": member.user.email,
        "phone": "",
        "mobile": "",
    }
    data.update(changes)
    return data


def save(client, member, **changes):
    return client.post(reverse("member:profile_edit"), form_data(member, **changes))


def field_errors(response, field):
    return response.context["form"].errors.get(field, [])


def test_profile_opens_read_only_with_an_edit_button(member_client, member):
    response = member_client.get(reverse("member:profile"))
    body = response.content.decode()
    assert "参照" in body
    assert member.member_number in body and member.full_name in body
    assert "<form" not in body.split('<main class="member-main">')[1]
    assert f'href="{reverse("member:profile_edit")}"' in body and "編集" in body


def test_save_returns_to_the_read_only_view_with_a_message(member_client, member):
    response = save(member_client, member, phone="０３-1234-5678", mobile="090 1234 5678")
    assert response.status_code == 302
    assert response.url == reverse("member:profile")
    page = member_client.get(response.url)
    body = page.content.decode()
    assert "会員情報を保存しました。" in body
    assert "0312345678" in body and "09012345678" in body
    member.refresh_from_db()
    assert member.phone == "0312345678"
    assert member.profile_saved_at is not None


def test_leaving_without_saving_keeps_the_old_data(member_client, member):
    member_client.get(reverse("member:profile_edit"))
    member_client.get(reverse("member:dashboard"))
    member.refresh_from_db()
    assert member.profile_saved_at is None
    assert member.home_address1 == ""


def test_invalid_input_saves_nothing(member_client, member):
    response = save(member_client, member, phone="03-1234", home_address1="新しい住所")
    assert response.status_code == 200
    member.refresh_from_db()
    assert member.home_address1 == ""


@pytest.mark.parametrize(
    ("value", "stored"),
    [("やまだ", "ヤマダ"), ("ﾔﾏﾀﾞ", "ヤマダ"), ("ヤマダ", "ヤマダ"), ("ｶﾞｯｺｳ", "ガッコウ")],
)
def test_furigana_is_converted_to_full_width_katakana(member_client, member, value, stored):
    assert save(member_client, member, family_name_kana=value).status_code == 302
    member.refresh_from_db()
    assert member.family_name_kana == stored


@pytest.mark.parametrize("value", ["Yamada", "山田", "ヤマダ1"])
def test_furigana_refuses_other_characters(member_client, member, value):
    response = save(member_client, member, family_name_kana=value)
    assert field_errors(response, "family_name_kana") == ["フリガナは全角カタカナで入力してください。"]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("03-1234-567", "電話番号は10桁または11桁の数字で入力してください。"),
        ("090-1234-56789", "電話番号は10桁または11桁の数字で入力してください。"),
        ("03-1234-567A", "電話番号は数字のみで入力してください(ハイフンは不要です)。"),
    ],
)
def test_phone_rules(member_client, member, value, message):
    assert field_errors(save(member_client, member, phone=value), "phone") == [message]
    assert field_errors(save(member_client, member, mobile=value), "mobile") == [message]


@pytest.mark.parametrize(
    ("value", "stored"), [("1000001", "100-0001"), ("１００－０００１", "100-0001"), ("〒100-0001", "100-0001")]
)
def test_postal_code_with_or_without_hyphen(member_client, member, value, stored):
    assert save(member_client, member, home_postal_code=value).status_code == 302
    member.refresh_from_db()
    assert member.home_postal_code == stored


@pytest.mark.parametrize("value", ["100001", "10000011", "abc-defg"])
def test_postal_code_must_have_seven_digits(member_client, member, value):
    response = save(member_client, member, home_postal_code=value)
    assert field_errors(response, "home_postal_code") == ["郵便番号は7桁の数字で入力してください(例: 123-4567)。"]


def test_postal_code_lookup_fills_prefecture_and_city(member_client):
    response = member_client.get(reverse("member:postal_code"), {"code": "530-0001"})
    assert response.json() == {"found": True, "prefecture": "大阪府", "city": "大阪市北区", "town": "梅田"}
    assert member_client.get(reverse("member:postal_code"), {"code": "0000000"}).status_code == 404


def test_workplace_mailing_address_needs_a_workplace_address(member_client, member):
    response = save(member_client, member, mailing_address="workplace")
    assert field_errors(response, "workplace_address1") == ["郵送先を勤務先にする場合は入力してください。"]


# --- names outside JIS X 0208 -------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "outside"),
    [
        ("山﨑", ["﨑"]),
        ("髙橋", ["髙"]),
        ("①", ["①"]),
        ("㈱山田", ["㈱"]),
        ("山田 太郎", []),
        ("齋藤", []),
        ("渡邉", []),
    ],
)
def test_jis_x0208_check(name, outside):
    assert japanese.non_jis_x0208_characters(name) == outside


def test_name_outside_jis_is_saved_but_blocks_payment_until_an_alternate_exists(member_client, member):
    response = save(member_client, member, family_name="山﨑")
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.family_name == "山﨑"  # never changed silently
    problem = japanese.payment_name_problem(member)
    assert "﨑" in problem and "代替文字" in problem
    body = member_client.get(reverse("member:profile")).content.decode()
    assert problem in body

    assert save(member_client, member, family_name="山﨑", alternate_name="山崎 太郎").status_code == 302
    member.refresh_from_db()
    assert japanese.payment_name_problem(member) is None


def test_edit_form_names_the_characters_next_to_the_name(member_client):
    member = MemberFactory(family_name="髙橋")
    member_client.force_login(member.user)
    body = member_client.get(reverse("member:profile_edit")).content.decode()
    assert 'id="name-warning"' in body and "髙" in body


def test_alternate_name_must_itself_be_jis(member_client, member):
    response = save(member_client, member, family_name="山﨑", alternate_name="山﨑 太郎")
    assert field_errors(response, "alternate_name") == [
        "代替文字に環境依存文字(﨑)は使えません。置き換えた文字で入力してください。"
    ]


# --- e-mail change -----------------------------------------------------------------------


def confirm_link():
    for message in mail.outbox:
        match = re.search(r"https?://\S+/member/email/confirm/\S+", message.body)
        if match:
            return match.group(0).split("http://127.0.0.1:8000")[-1]
    raise AssertionError("no confirmation link mailed")


def test_email_change_takes_effect_only_after_confirmation(member_client, member, django_capture_on_commit_callbacks):
    old = member.user.email
    with django_capture_on_commit_callbacks(execute=True):
        response = save(member_client, member, email="new-address@example.jp")
    assert response.status_code == 302
    member.user.refresh_from_db()
    assert member.user.email == old  # the old address keeps working
    recipients = sorted(address for message in mail.outbox for address in message.to)
    assert recipients == sorted([old, "new-address@example.jp"])
    notice = next(message for message in mail.outbox if message.to == [old])
    assert "new-address@example.jp" in notice.body

    link = confirm_link()
    assert member_client.get(link).status_code == 200  # a mail scanner's GET changes nothing
    member.user.refresh_from_db()
    assert member.user.email == old
    assert "変更が完了しました" in member_client.post(link).content.decode()
    member.user.refresh_from_db()
    assert member.user.email == "new-address@example.jp"

    again = member_client.post(link)
    assert again.status_code == 400
    assert "すでに使用された" in again.content.decode()


def test_tampered_confirmation_link_is_refused(client, member, django_capture_on_commit_callbacks):
    client.force_login(member.user)
    with django_capture_on_commit_callbacks(execute=True):
        save(client, member, email="new-address@example.jp")
    link = confirm_link()
    response = client.post(link[:-3] + "abc")
    assert response.status_code == 400
    member.user.refresh_from_db()
    assert member.user.email != "new-address@example.jp"


# --- another member's data -----------------------------------------------------------------


def test_a_member_only_ever_sees_and_edits_their_own_details(client):
    mine, theirs = MemberFactory(family_name="自分"), MemberFactory(family_name="他人", phone="0311112222")
    client.force_login(mine.user)
    for url in (
        reverse("member:profile"),
        reverse("member:profile_edit"),
        f"{reverse('member:profile')}?member={theirs.pk}",
        f"{reverse('member:profile_edit')}?pk={theirs.pk}",
        f"/member/profile/{theirs.pk}",
        f"/member/profile/{theirs.member_number}",
    ):
        response = client.get(url)
        body = response.content.decode()
        assert "他人" not in body and "0311112222" not in body, url
    save(client, mine, family_name="自分", phone="0399998888")
    theirs.refresh_from_db()
    mine.refresh_from_db()
    assert theirs.phone == "0311112222"
    assert mine.phone == "0399998888"
    assert Member.objects.filter(phone="0399998888").count() == 1


def test_help_texts_are_linked_to_their_fields(member_client):
    """Screen readers announce a field's help: Django's aria-describedby points at the help's id."""
    import re

    from django.urls import reverse

    page = member_client.get(reverse("member:profile_edit")).text
    described = re.findall(r'aria-describedby="([^"]+)"', page)
    assert described
    for ids in described:
        for element_id in ids.split():
            assert f'id="{element_id}"' in page, element_id


def test_payment_step_two_does_not_go_on_without_the_alternate_spelling(member_client, member):
    """Issue 13, item 2: 「変更してお支払い手続きへ」 with 﨑 and an empty 代替文字 stays on step ②,
    saying so next to the field with the member's own name as the example."""
    from tests.factories import InvoiceFactory

    invoice = InvoiceFactory(member=member, fiscal_year=2025)
    url = f"{reverse('member:profile_edit')}?invoice={invoice.pk}"
    # The page names the one button it has: 【変更してお支払い手続きへ】, no 【保存】.
    page = member_client.get(url).content.decode()
    assert "【変更してお支払い手続きへ】を押してください" in page and "【保存】" not in page
    data = form_data(member, family_name="山﨑", given_name="花子", alternate_name="")
    response = member_client.post(url, data)
    assert response.status_code == 200  # not on to the method page (a dead end there)
    [message] = field_errors(response, "alternate_name")
    assert "環境依存文字(﨑)" in message and "例: 山﨑 花子 → 山崎 花子" in message
    assert 'id="id_alternate_name_error"' in response.content.decode()
    member.refresh_from_db()
    assert member.family_name != "山﨑"  # nothing saved while the step refuses

    response = member_client.post(url, {**data, "alternate_name": "山崎 花子"})
    assert response.url == reverse("member:payment_method", args=[invoice.pk])


def test_outside_the_payment_flow_the_name_is_saved_with_its_warning(member_client, member):
    response = save(member_client, member, family_name="山﨑", alternate_name="")
    assert response.status_code == 302  # 会員詳細 alone keeps the member's own spelling
