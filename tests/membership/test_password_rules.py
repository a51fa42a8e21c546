"""Guide section 11: each rule has its own message; the last 3 passwords cannot be reused."""

import pytest
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse

from membership import accounts as services
from membership.models import PasswordHistory
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def messages_for(password, user=None):
    try:
        validate_password(password, user)
    except ValidationError as error:
        return error.messages
    return []


def test_a_good_password_passes():
    assert messages_for("Abcdefg1") == []
    assert messages_for('Ab1!"#$%&()*+,-./:;<') == []  # 20 characters with symbols


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("Abcde12", "パスワードは8～20文字で設定してください。"),
        ("Abcdefghij1234567890x", "パスワードは8～20文字で設定してください。"),
        ("ＡAbcdefg1", "パスワードは必ず半角で入力してください。"),
        ("Abcdefg1１", "パスワードは必ず半角で入力してください。"),
        ("Abcd efg1", 'パスワードに使用できるのは英小文字、英大文字、数字、記号(!"#$ など)です。'),
        ("Abcdefｱ1", 'パスワードに使用できるのは英小文字、英大文字、数字、記号(!"#$ など)です。'),
        ("abcdefg1", "パスワードには1文字以上の英大文字を含めてください。"),
        ("Abcdefgh", "パスワードには1文字以上の数字を含めてください。"),
    ],
)
def test_each_rule_has_its_own_message(password, message):
    assert messages_for(password) == [message]


def test_several_broken_rules_are_all_reported():
    assert set(messages_for("abc")) == {
        "パスワードは8～20文字で設定してください。",
        "パスワードには1文字以上の英大文字を含めてください。",
        "パスワードには1文字以上の数字を含めてください。",
    }


def test_last_three_passwords_refused_fourth_last_allowed():
    member = MemberFactory(user__password="First111A")
    user = member.user
    for password in ("Second22B", "Third333C", "Fourth44D"):
        services.change_password(user=user, new_password=password)
    # History now (newest first): Fourth, Third, Second, First.
    reused = "過去3回以内に使用していたパスワードと同一のものは利用できません。"
    for recent in ("Fourth44D", "Third333C", "Second22B"):
        assert messages_for(recent, user) == [reused]
    assert messages_for("First111A", user) == []


def test_the_password_in_use_counts_as_a_last_one_however_it_was_set():
    """The seeded demo password could be "changed" to itself (issue 13, item 6): a password stored
    without a history entry (seed, staff, import) is still the newest of the last three."""
    member = MemberFactory()
    user = member.user
    user.password = make_password("Seeded26A")  # stored directly, as a seed or an import does
    user.save(update_fields=["password"])
    PasswordHistory.objects.filter(user=user).delete()
    assert messages_for("Seeded26A", user) == ["過去3回以内に使用していたパスワードと同一のものは利用できません。"]
    validate_password("Changed26B", user)  # as the change form does before saving
    services.change_password(user=user, new_password="Changed26B")
    assert messages_for("Seeded26A", user) != []  # still one of the last three
    assert messages_for("Other999C", user) == []


def test_history_is_kept_short():
    member = MemberFactory()
    for n in range(10):
        services.change_password(user=member.user, new_password=f"Password{n}X")
    assert PasswordHistory.objects.filter(user=member.user).count() <= 6


def test_change_form_shows_rule_messages_at_the_field(member_client):
    response = member_client.post(
        reverse("member:password_change"), {"new_password1": "short", "new_password2": "short"}
    )
    assert response.status_code == 200
    errors = response.context["form"].errors["new_password2"]
    assert "パスワードは8～20文字で設定してください。" in errors


def test_change_form_requires_matching_confirmation(member_client):
    response = member_client.post(
        reverse("member:password_change"), {"new_password1": "Newpass12", "new_password2": "Newpass13"}
    )
    assert "確認パスワードが新しいパスワードと一致しません。" in response.context["form"].errors["new_password2"]


def test_change_password_keeps_the_member_logged_in(member_client, member):
    response = member_client.post(
        reverse("member:password_change"), {"new_password1": "Newpass12", "new_password2": "Newpass12"}
    )
    assert response.status_code == 302
    member.user.refresh_from_db()
    assert member.user.check_password("Newpass12")
    assert member_client.get(reverse("member:dashboard")).status_code == 200
