"""Staff looking a member up in the admin: the search folds old and variant kanji (山崎 finds
山﨑) in one query, and a listed member opens on 詳細, which leads on to 編集."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

URLS = "wagtailsnippets_membership_member"


@pytest.fixture
def members(db):
    return {
        "yamasaki": MemberFactory(
            user__username="0050001", family_name="山﨑", given_name="京子", family_name_kana="ヤマサキ"
        ),
        "takada": MemberFactory(
            user__username="0050002", family_name="髙田", given_name="誠", family_name_kana="タカダ", alternate_name=""
        ),
        "suzuki": MemberFactory(user__username="0050003", family_name="鈴木", given_name="美咲"),
    }


def search(client, query):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse(f"{URLS}:list"), {"q": query})
    assert response.status_code == 200
    return {member.member_number for member in response.context["object_list"]}, len(captured)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("山崎", {"0050001"}),  # 﨑 stored, 崎 typed
        ("山崎 京子", {"0050001"}),
        ("山崎京子", {"0050001"}),
        ("高田", {"0050002"}),  # 髙 stored, no 代替文字
        ("髙田", {"0050002"}),
        ("山嵜", {"0050001"}),  # another variant typed finds the stored one
        ("鈴木", {"0050003"}),
        ("山田", set()),
    ],
)
def test_search_folds_kanji_variants(staff_client, members, query, expected):
    assert search(staff_client, query)[0] == expected


def test_folding_adds_no_query(staff_client, members):
    _found, plain = search(staff_client, "鈴木")
    _found, folded = search(staff_client, "山崎 京子")
    assert folded == plain


def test_a_pasted_paragraph_searches_its_first_words_in_one_bounded_query(staff_client, members):
    """Every word × its spellings × the fields is a condition: 500 words of 崎崎 (16 spellings
    each) made a query of some 80,000 conditions, seconds to build and run. The first eight
    different words count."""
    with CaptureQueriesContext(connection) as captured:
        response = staff_client.get(
            reverse(f"{URLS}:list"), {"q": " ".join(["山崎"] * 3 + [f"崎崎{n}" for n in range(500)])}
        )
    assert response.status_code == 200 and not response.context["object_list"]
    assert max(len(query["sql"]) for query in captured) < 1_000_000  # 8 words: 0.1 MB; 500: 6 MB
    found, _queries = search(staff_client, " ".join(["山崎"] * 20 + ["京子"]))
    assert found == {"0050001"}


def test_a_listed_member_opens_on_the_inspect_page(staff_client, members):
    member = members["yamasaki"]
    inspect_url = reverse(f"{URLS}:inspect", args=[member.pk])
    edit_url = reverse(f"{URLS}:edit", args=[member.pk])
    body = staff_client.get(reverse(f"{URLS}:list")).content.decode()
    assert f'href="{inspect_url}"' in body
    # The 会員番号 (row title) and the 氏名 both open 詳細; 編集 stays in the row's menu.
    title = body.index(f'id="snippet_{member.pk}_title"')
    assert body.rfind('href="', 0, title) == body.rfind(f'href="{inspect_url}"', 0, title)
    assert f'<a href="{inspect_url}">山﨑 京子</a>' in body
    assert f'href="{edit_url}"' in body

    page = staff_client.get(inspect_url).content.decode()
    assert "山﨑" in page and f'href="{edit_url}"' in page
