"""Guide 8: デジタル会員証確認, the card page and the public page behind its QR code."""

import base64
import datetime
import re
import secrets
import zoneinfo

import pytest
import segno
import time_machine
from django.core import signing
from django.urls import reverse

from membership.card import CHECK_LIMIT, make_token
from membership.demo import DEMO_MEMBER_NUMBER
from membership.models import Member
from tests.cms_pages.conftest import seed_demo
from tests.factories import MemberFactory, StaffUserFactory

pytestmark = pytest.mark.django_db

TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")
# "Now" in these tests: 2026-06-01 10:00 in Tokyo.
NOW = datetime.datetime(2026, 6, 1, 10, 0, tzinfo=TOKYO)
EXPIRY = datetime.date(2028, 3, 31)


@pytest.fixture(autouse=True)
def fixed_now():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def certified(**fields):
    """A 正会員 with a certification valid until EXPIRY, unless ``fields`` say otherwise."""
    defaults = {"certification_number": "G-000777", "certification_expires_on": EXPIRY}
    return MemberFactory(**{**defaults, **fields})


def card_page(client, member):
    client.force_login(member.user)
    response = client.get(reverse("member:card"))
    assert response.status_code == 200
    return response.content.decode()


def verify_page(client, token):
    return client.get(reverse("card_verify", args=[token]))


# --- the member's card ------------------------------------------------------------------------


def test_card_shows_the_member_and_the_certification(client):
    member = certified(family_name="山田", given_name="花子", family_name_kana="ヤマダ", given_name_kana="ハナコ")
    body = card_page(client, member)
    assert "日本消化器内視鏡技師会" in body
    assert ">会員証<" in body
    assert "山田 花子" in body and "ヤマダ ハナコ" in body
    assert f'id="card-member-number">{member.member_number}<' in body
    assert 'id="card-status">正会員<' in body
    assert 'id="card-certification-number">G-000777<' in body
    assert 'id="card-expiry">2028年3月31日<' in body
    assert ">有効<" in body
    assert "無効" not in body
    assert 'aria-current="page" class="active">デジタル会員証確認' in body


def test_the_qr_code_is_inline_svg_of_the_verification_url(client, settings):
    settings.SITE_URL = "https://members.example.jp"
    member = certified()
    body = card_page(client, member)
    url = f"https://members.example.jp/card/verify/{make_token(member)}"
    expected = segno.make(url, error="m")
    # Same modules as the QR code of that URL: compare the drawing without segno's SVG options.
    path = expected.svg_inline(scale=1, border=4, omitsize=True).split("<path", 1)[1]
    assert "<svg" in body and path in body
    assert "<img" not in body.split('class="member-card-qr"', 1)[1].split("</figure>", 1)[0]
    # ... and that URL verifies this very member.
    assert member.member_number in verify_page(client, make_token(member)).content.decode()


@pytest.mark.parametrize(
    ("fields", "badge", "sentence"),
    [
        ({"status": Member.Status.ON_LEAVE}, "無効(休会中)", "休会中のため、この会員証は現在無効です。"),
        ({"status": Member.Status.WITHDRAWN}, "無効(退会)", "退会済みのため、この会員証は無効です。"),
        ({"status": Member.Status.LAPSED}, "無効(資格喪失)", "資格を喪失しているため、この会員証は無効です。"),
        (
            {"certification_expires_on": datetime.date(2026, 5, 31)},
            "無効(有効期限切れ)",
            "認定有効期限(2026年5月31日)を過ぎているため、この会員証は無効です。",
        ),
        ({"certification_expires_on": None}, "無効(認定情報なし)", "技師認定の登録がないため"),
        ({"certification_number": ""}, "無効(認定情報なし)", "技師認定の登録がないため"),
    ],
    ids=["on-leave", "withdrawn", "lapsed", "expired", "no-expiry", "no-number"],
)
def test_an_invalid_card_says_so(client, fields, badge, sentence):
    body = card_page(client, certified(**fields))
    assert f'card-badge-invalid">{badge}<' in body
    assert sentence in body
    assert ">有効<" not in body
    assert "member-card-invalid" in body  # the grey, striped look stamped 無効


def test_the_card_is_valid_on_its_expiry_day_in_tokyo_and_invalid_the_next_day(client, fixed_now):
    member = certified(certification_expires_on=datetime.date(2026, 3, 31))
    fixed_now.move_to(datetime.datetime(2026, 3, 31, 23, 30, tzinfo=TOKYO))
    assert ">有効<" in card_page(client, member)
    # 00:30 on 1 April in Tokyo is still 31 March in UTC.
    fixed_now.move_to(datetime.datetime(2026, 4, 1, 0, 30, tzinfo=TOKYO))
    assert "無効(有効期限切れ)" in card_page(client, member)
    assert "無効" in verify_page(client, make_token(member)).content.decode()


def test_card_needs_login(client):
    response = client.get(reverse("member:card"))
    assert response.status_code == 302
    assert response.url.startswith("/member/login?next=/member/card")


def test_staff_are_sent_to_the_admin(client):
    client.force_login(StaffUserFactory())
    response = client.get(reverse("member:card"))
    assert response.status_code == 302
    assert response.url == reverse("wagtailadmin_home")


def test_card_is_not_cached_by_the_browser(client):
    client.force_login(certified().user)
    assert "no-store" in client.get(reverse("member:card"))["Cache-Control"]


def test_card_page_query_count_is_fixed(client, django_assert_num_queries):
    valid, on_leave = certified(), certified(status=Member.Status.ON_LEAVE)
    for member in (valid, on_leave):
        client.force_login(member.user)
        client.get(reverse("member:card"))  # the first request also caches the site and its settings
        # session, user with member (the layout's site and society settings and the menu's open
        # 更新延長 programmes come from the cache): nothing depends on the member's state or history
        with django_assert_num_queries(2):
            assert client.get(reverse("member:card")).status_code == 200


# --- the public verification page -------------------------------------------------------------


def test_the_token_of_a_member_shows_that_member_only_without_login(client):
    a = certified(family_name="青木", given_name="一郎")
    b = certified(family_name="別府", given_name="次郎")
    response = verify_page(client, make_token(a))
    body = response.content.decode()
    assert response.status_code == 200
    assert "日本消化器内視鏡技師会" in body
    assert "青木 一郎" in body and a.member_number in body
    assert "この会員証は有効です。" in body
    assert "2026年6月1日 10:00 時点" in body
    assert "別府" not in body and b.member_number not in body


def test_a_tampered_or_foreign_token_shows_not_found(client):
    a, b = certified(), certified()
    token = make_token(a)
    key, tag = token.split(".")
    for bad in [
        f"{key[:-1]}{'A' if key[-1] != 'A' else 'B'}.{tag}",  # someone else's key (none) with a's tag
        token[:-2],  # cut short
        "not-a-token",
        signing.Signer(salt="membership.card.verify").sign_object([a.pk, EXPIRY.isoformat()]),  # the old format
        f"{secrets.token_urlsafe(16)}.{tag}",
    ]:
        response = verify_page(client, bad)
        body = response.content.decode()
        assert response.status_code == 404, bad
        assert "会員証を確認できません" in body
        assert a.member_number not in body and b.member_number not in body
        assert a.full_name not in body


def test_a_forged_tag_never_reads_as_valid(client):
    """The key alone (from a card once seen) does not make a valid card: the tag binds it to
    the expiry printed on the card."""
    member = certified()
    key, tag = make_token(member).split(".")
    forged = f"{key}.{'0' * len(tag) if tag != '0' * len(tag) else '1' * len(tag)}"
    body = verify_page(client, forged).content.decode()
    assert "この会員証は有効です。" not in body and "無効" in body


def test_the_token_is_opaque(client):
    """Neither the member's id nor the expiry can be read from the URL on the card (issue 11)."""
    member = certified()
    token = make_token(member)
    readable = [token]
    for part in re.split(r"[.:]", token):
        for candidate in (part, part + "=", part + "=="):
            try:
                readable.append(base64.urlsafe_b64decode(candidate).decode("latin-1"))
            except ValueError:
                pass
    for text in readable:
        assert "2028" not in text and "03-31" not in text, text
        assert f"[{member.pk}," not in text and f"{member.pk}:" not in text, text
    other = certified(certification_expires_on=EXPIRY)
    assert make_token(other).split(".")[0] != token.split(".")[0]  # random, not derived from the id


def test_a_token_of_a_deleted_member_shows_not_found(client):
    member = certified()
    token = make_token(member)
    Member.objects.filter(pk=member.pk).delete()
    assert verify_page(client, token).status_code == 404


def test_after_a_renewal_the_old_card_reads_as_superseded(client):
    member = certified()
    old_token = make_token(member)
    member.certification_expires_on = datetime.date(2033, 3, 31)
    member.save()

    body = verify_page(client, old_token).content.decode()
    assert "無効" in body and "この会員証は有効です。" not in body
    assert member.member_number in body

    new_token = make_token(member)
    assert new_token != old_token
    assert "この会員証は有効です。" in verify_page(client, new_token).content.decode()
    assert 'id="card-expiry">2033年3月31日<' in card_page(client, member)


def test_a_card_whose_expiry_was_moved_earlier_is_not_valid_either(client):
    member = certified()
    old_token = make_token(member)
    member.certification_expires_on = datetime.date(2027, 3, 31)
    member.save()
    body = verify_page(client, old_token).content.decode()
    assert "無効" in body
    assert "この会員証は有効です。" not in body


@pytest.mark.parametrize(
    "fields",
    [
        {"status": Member.Status.ON_LEAVE},
        {"status": Member.Status.WITHDRAWN},
        {"status": Member.Status.LAPSED},
        {"certification_expires_on": datetime.date(2026, 5, 31)},
        {"certification_number": ""},
    ],
    ids=["on-leave", "withdrawn", "lapsed", "expired", "no-certification"],
)
def test_verification_of_an_invalid_card_says_invalid_but_not_why(client, fields):
    """A hospital needs to know whether the card is valid today, not the member's history."""
    member = certified(**fields)
    body = verify_page(client, make_token(member)).content.decode()
    assert '<span class="verify-word">無効</span> この会員証は本日時点で有効ではありません。' in body
    assert member.member_number in body
    assert "この会員証は有効です。" not in body
    for reason in ["休会", "退会", "資格喪失", "期限切れ", "認定", "更新済み", "変更"]:
        assert reason not in body, reason


# --- throttling -----------------------------------------------------------------------------------


def test_verification_is_throttled_per_network_address(client, fixed_now):
    token = make_token(certified())
    url = reverse("card_verify", args=[token])
    for _ in range(CHECK_LIMIT):
        assert client.get(url, REMOTE_ADDR="203.0.113.5").status_code == 200
    refused = client.get(url, REMOTE_ADDR="203.0.113.5")
    assert refused.status_code == 429
    body = refused.content.decode()
    assert "短時間に多くの確認がありました。しばらくしてからもう一度お試しください。" in body
    assert "この会員証は有効です。" not in body
    # Unknown tokens count as well (no guessing past the limit).
    assert client.get(reverse("card_verify", args=["x"]), REMOTE_ADDR="203.0.113.5").status_code == 429
    # Another address is not held back, and after the hour the first one may check again.
    assert client.get(url, REMOTE_ADDR="198.51.100.7").status_code == 200
    fixed_now.shift(datetime.timedelta(hours=1, minutes=1))
    assert client.get(url, REMOTE_ADDR="203.0.113.5").status_code == 200


def test_verification_page_shows_nothing_private(client):
    member = certified(
        birth_date=datetime.date(1980, 5, 12),
        home_postal_code="812-0011",
        home_prefecture="福岡県",
        home_address1="福岡市博多区博多駅前1-1-1",
        workplace_name="福岡中央病院",
        phone="0921234567",
        mobile="09012345678",
    )
    body = verify_page(client, make_token(member)).content.decode()
    assert member.member_number in body  # the page did render the member
    for private in [
        member.user.email,
        "812-0011",
        "福岡",
        "博多",
        "1980",
        "5月12日",
        "0921234567",
        "09012345678",
        "G-000777",  # not even the certification number
        "2028",  # nor the expiry
    ]:
        assert private not in body, private


@pytest.mark.parametrize("valid_token", [True, False], ids=["card", "bad-token"])
def test_verification_page_is_neither_indexed_nor_cached(client, valid_token):
    token = make_token(certified()) if valid_token else "bad"
    response = verify_page(client, token)
    assert response.status_code == (200 if valid_token else 404)
    assert "noindex" in response["X-Robots-Tag"]
    assert "no-store" in response["Cache-Control"]
    assert '<meta name="robots" content="noindex' in response.content.decode()


def test_behind_a_proxy_each_client_is_counted_apart(client, settings):
    """With AXES_PROXY_COUNT set, the address is the client's from X-Forwarded-For, as for
    login lockouts: hospitals behind the same proxy do not share one limit."""
    settings.AXES_IPWARE_PROXY_COUNT = 1
    settings.AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")
    url = reverse("card_verify", args=[make_token(certified())])
    proxy = {"REMOTE_ADDR": "10.0.0.1"}
    for _ in range(CHECK_LIMIT):
        assert client.get(url, HTTP_X_FORWARDED_FOR="203.0.113.5, 10.0.0.1", **proxy).status_code == 200
    assert client.get(url, HTTP_X_FORWARDED_FOR="203.0.113.5, 10.0.0.1", **proxy).status_code == 429
    assert client.get(url, HTTP_X_FORWARDED_FOR="198.51.100.7, 10.0.0.1", **proxy).status_code == 200


# --- demo data ----------------------------------------------------------------------------------


def test_the_demo_members_card_is_valid_and_a_reseed_completes_an_old_one(client, settings):
    seed_demo(settings)
    demo = Member.objects.get(member_number=DEMO_MEMBER_NUMBER)
    body = card_page(client, demo)
    assert 'id="card-certification-number">G-012345<' in body
    assert 'id="card-expiry">2028年3月31日<' in body
    assert ">有効<" in body

    Member.objects.filter(pk=demo.pk).update(certification_number="", certification_expires_on=None)
    seed_demo(settings)
    demo.refresh_from_db()
    assert (demo.certification_number, demo.certification_expires_on) == ("G-012345", datetime.date(2028, 3, 31))
