"""core.bulk: rows inserted in one go, on PostgreSQL by COPY."""

import pytest
from django.contrib.auth.hashers import make_password

from core.bulk import insert_rows
from membership.models import Member, User

pytestmark = pytest.mark.django_db


def test_rows_with_different_keys_get_the_defaults_of_what_they_leave_out():
    """The second row leaves out the e-mail (COPY's slow path, one value at a time)."""
    password = make_password(None)
    ids = insert_rows(
        User,
        [
            {"username": "B0000001", "password": password, "kind": "member", "email": "b1@example.jp"},
            {"username": "B0000002", "password": password, "kind": "member"},
        ],
        return_ids=True,
        id_lookup="username",
    )
    users = User.objects.in_bulk(ids)
    assert [users[pk].username for pk in ids] == ["B0000001", "B0000002"]
    assert users[ids[0]].email == "b1@example.jp" and users[ids[1]].email == ""
    insert_rows(Member, [{"user_id": ids[1], "member_number": "B0000002", "family_name": "鈴木", "given_name": "花子"}])
    assert Member.objects.get(user_id=ids[1]).family_name == "鈴木"


def test_rows_given_as_tuples_of_named_columns():
    """The member import's rows: tuples in the order of ``columns``; the rest take their defaults."""
    password = make_password(None)
    ids = insert_rows(
        User,
        [("C0000001", "c1@example.jp", "member", password), ("C0000002", "", "member", password)],
        columns=["username", "email", "kind", "password"],
        return_ids=True,
        id_lookup="username",
    )
    users = User.objects.in_bulk(ids)
    assert [(users[pk].username, users[pk].email) for pk in ids] == [("C0000001", "c1@example.jp"), ("C0000002", "")]
    assert all(users[pk].is_active and users[pk].date_joined for pk in ids)
    insert_rows(
        Member,
        [(ids[0], "C0000001", "佐藤", "一郎")],
        columns=["user_id", "member_number", "family_name", "given_name"],
    )
    member = Member.objects.get(user_id=ids[0])
    assert (member.member_number, member.family_name, member.given_name) == ("C0000001", "佐藤", "一郎")
    assert member.card_key and member.created_at


def test_a_later_row_keeps_a_value_the_first_row_leaves_out():
    """Rows of the benchmarks' history differ in their keys: no value given is dropped, whichever row gives it."""
    password = make_password(None)
    ids = insert_rows(
        User,
        [
            {"username": "D0000001", "password": password, "kind": "member"},
            {"username": "D0000002", "password": password, "kind": "member", "email": "d2@example.jp"},
            {"username": "D0000003", "password": password, "kind": "member"},
        ],
        return_ids=True,
        id_lookup="username",
    )
    users = User.objects.in_bulk(ids)
    assert [(users[pk].username, users[pk].email) for pk in ids] == [
        ("D0000001", ""),
        ("D0000002", "d2@example.jp"),
        ("D0000003", ""),
    ]
    assert all(users[pk].is_active and users[pk].date_joined for pk in ids)
