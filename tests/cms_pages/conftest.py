import pytest
from django.core.management import call_command

from cms_pages.models import HomePage, NoticeIndexPage


def seed_demo(settings):
    """seed_demo runs in development only; pytest-django turns DEBUG off for tests."""
    settings.DEBUG = True
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    settings.DEBUG = False


@pytest.fixture
def demo_site(db, settings):
    seed_demo(settings)
    home = HomePage.objects.get()
    return {"home": home, "notices": NoticeIndexPage.objects.child_of(home).get()}
