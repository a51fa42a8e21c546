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
