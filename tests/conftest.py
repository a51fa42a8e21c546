import pytest

from tests.factories import DEFAULT_PASSWORD, MemberFactory


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Argon2 is what production uses (see test_settings); tests hash with MD5 for speed."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def member(db):
    return MemberFactory()


@pytest.fixture
def member_password():
    return DEFAULT_PASSWORD


@pytest.fixture
def member_client(client, member):
    client.force_login(member.user)
    return client
