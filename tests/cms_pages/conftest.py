import pytest
from django.core.management import call_command

from cms_pages.models import HomePage, NoticeIndexPage


@pytest.fixture
def demo_site(db):
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    home = HomePage.objects.get()
    return {"home": home, "notices": NoticeIndexPage.objects.child_of(home).get()}
