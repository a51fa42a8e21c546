"""How a session finds its account (membership/auth_backends.py): the account and its member
profile in one query, as the ORM's ``select_related("member")`` would read them."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from membership.auth_backends import AccountBackend, read_account
from tests.factories import MemberFactory, StaffUserFactory

pytestmark = pytest.mark.django_db


def field_values(instance):
    return {field.attname: getattr(instance, field.attname) for field in instance._meta.concrete_fields}


def test_the_account_and_its_profile_are_read_as_the_orm_reads_them(django_assert_num_queries):
    member = MemberFactory(family_name="髙橋", alternate_name="高橋")
    expected = get_user_model().objects.select_related("member").get(pk=member.user_id)
    with django_assert_num_queries(1):
        user = read_account(member.user_id)
        profile = user.member_profile
        assert profile.user is user
    assert field_values(user) == field_values(expected)
    assert field_values(profile) == field_values(expected.member)
    assert not user._state.adding and user._state.db == "default"


def test_an_account_without_a_profile_knows_it_without_another_query(django_assert_num_queries):
    staff = StaffUserFactory()
    with django_assert_num_queries(1):
        user = read_account(staff.pk)
        assert user.member_profile is None
    assert user == staff


def test_an_unknown_or_deactivated_account_has_no_session_user():
    member = MemberFactory()
    assert AccountBackend().get_user(member.user_id + 1000) is None
    get_user_model().objects.filter(pk=member.user_id).update(is_active=False)
    assert AccountBackend().get_user(member.user_id) is None


def test_a_deactivated_member_is_logged_out_at_the_next_page(member_client, member):
    assert member_client.get(reverse("member:dashboard")).status_code == 200
    get_user_model().objects.filter(pk=member.user_id).update(is_active=False)
    response = member_client.get(reverse("member:dashboard"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("member:login"))


def test_a_changed_password_ends_the_other_sessions(client, member):
    """The session's hash of the password is checked against the account as read here."""
    client.force_login(member.user)
    member.user.set_password("Another2026pw")
    member.user.save()
    response = client.get(reverse("member:dashboard"))
    assert response.status_code == 302
