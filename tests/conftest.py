import pytest

from tests.factories import DEFAULT_PASSWORD, MemberFactory, user_in
from tests.two_factor import log_in_staff


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Argon2 is what production uses (see test_settings); tests hash with MD5 for speed."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with an empty cache: a rolled-back test leaves no cached rows behind."""
    from django.core.cache import cache

    cache.clear()


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


@pytest.fixture
def demo_site_settings(db):
    """The default site's society settings, filled in as staff would."""
    from wagtail.models import Site

    from cms_pages.models import SocietySettings

    site = Site.objects.get(is_default_site=True)
    settings = SocietySettings.for_site(site)
    settings.receipt_issuer_name = "一般社団法人 日本消化器内視鏡技師会"
    settings.receipt_issuer_address = "東京都千代田区神田1-1-1"
    settings.invoice_registration_number = "T1234567890123"
    settings.save()
    return settings


@pytest.fixture
def staff_user(db):
    """A member of the secretariat (事務局)."""
    return user_in("事務局", username="jimu-suzuki")


@pytest.fixture
def staff_client(client, staff_user):
    """The secretariat's client, logged in with the second factor (the admin opens)."""
    return log_in_staff(client, staff_user)


@pytest.fixture
def admin_client(client, admin_user):
    """pytest-django's superuser client, logged in with the second factor (the admin opens)."""
    return log_in_staff(client, admin_user)


@pytest.fixture
def gateway_loop():
    """The payment gateway is the sandbox, and both sides speak HTTP to this app in-process:
    sandbox → notify endpoint → search API (no network)."""
    from django.conf import settings

    from gateway_sandbox import delivery
    from membership import gateway
    from tests.http_adapters import DjangoAppAdapter, mounted

    adapter = DjangoAppAdapter(settings.SITE_URL)
    with mounted(gateway.http, settings.SITE_URL, adapter), mounted(delivery.http, settings.SITE_URL, adapter):
        yield adapter
