import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from cms_pages.models import HomePage, NoticePage, QAPage, SocietySettings
from config.management.commands import seed_demo
from membership.models import Member, User
from tests.cms_pages.conftest import seed_demo as reseed

pytestmark = pytest.mark.django_db


def test_home_page_has_society_name_login_button_and_qr_code(client, demo_site):
    response = client.get("/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "日本消化器内視鏡技師会" in body
    assert 'href="/member/login"' in body
    assert 'src="data:image/svg+xml' in body
    assert "スマートフォンご利用の方はこちらのQRコードから" in body


def test_qr_code_encodes_the_login_url(settings, demo_site):
    settings.SITE_URL = "https://members.example.jp"
    home = HomePage.objects.get()
    assert home.login_url == "https://members.example.jp/member/login"


def test_login_page_links_to_the_qa_page(client, demo_site):
    qa = QAPage.objects.get()
    body = client.get("/member/login").content.decode()
    assert "会員管理システムに関する Q&amp;A" in body
    assert f'href="{qa.url}"' in body


def test_qa_page_shows_questions_and_answers(client, demo_site):
    body = client.get(QAPage.objects.get().url).content.decode()
    assert "ログインできません。" in body
    assert "会員番号が0から始まる方は0も入力してください" in body


def test_seed_demo_refuses_to_run_in_production(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="development only"):
        call_command("seed_demo", stdout=open("/dev/null", "w"))
    assert not User.objects.filter(username=seed_demo.DEMO_ADMIN_USERNAME).exists()


def test_seed_demo_is_idempotent_and_its_logins_work(client, demo_site, settings):
    counts = (User.objects.count(), Member.objects.count(), NoticePage.objects.count(), HomePage.objects.count())
    reseed(settings)
    assert (
        User.objects.count(),
        Member.objects.count(),
        NoticePage.objects.count(),
        HomePage.objects.count(),
    ) == counts
    response = client.post(
        "/member/login", {"username": seed_demo.DEMO_MEMBER_NUMBER, "password": seed_demo.DEMO_MEMBER_PASSWORD}
    )
    assert response.status_code == 302
    assert seed_demo.DEMO_MEMBER_NUMBER.startswith("0")
    client.post("/member/logout")
    response = client.post(
        "/member/login", {"username": seed_demo.DEMO_ADMIN_USERNAME, "password": seed_demo.DEMO_ADMIN_PASSWORD}
    )
    assert response.url == "/admin/"


@pytest.mark.parametrize("number", ["T1234567890123", "t1234567890123", ""])
def test_registration_number_accepts_t_and_13_digits(demo_site, number):
    settings = SocietySettings.objects.get()
    settings.invoice_registration_number = number
    settings.full_clean()
    assert settings.invoice_registration_number in ("T1234567890123", "")


@pytest.mark.parametrize("number", ["1234567890123", "T123456789012", "T12345678901234"])
def test_registration_number_refuses_other_shapes(demo_site, number):
    settings = SocietySettings.objects.get()
    settings.invoice_registration_number = number
    with pytest.raises(ValidationError) as error:
        settings.full_clean()
    assert "T に続く13桁の数字" in str(error.value)


def test_home_page_title_names_the_society_once(client, demo_site):
    body = client.get("/").content.decode()
    assert "<title>日本消化器内視鏡技師会</title>" in body


def test_home_page_links_the_pages_marked_for_menus_and_public(client, demo_site):
    from wagtail.models import PageViewRestriction

    from cms_pages.models import StandardPage

    home = demo_site["home"]
    guide = StandardPage.objects.get(slug="guide")
    hidden = home.add_child(instance=StandardPage(title="メニューに出さないページ", slug="hidden"))
    members = home.add_child(instance=StandardPage(title="会員向けのご案内", slug="members", show_in_menus=True))
    PageViewRestriction.objects.create(page=members, restriction_type=PageViewRestriction.LOGIN)
    QAPage.objects.update(show_in_menus=True)

    body = client.get("/").content.decode()

    assert f'href="{guide.url}">会員ページご利用ガイド</a>' in body  # seed_demo marks it メニューに表示
    assert hidden.title not in body
    assert members.title not in body  # behind the logged-in restriction
    assert body.count(f'href="{QAPage.objects.get().url}"') == 1  # linked once, even when marked for menus


def test_a_logged_in_member_is_offered_the_members_area_not_the_login(client, demo_site):
    from tests.factories import MemberFactory

    client.force_login(MemberFactory().user)

    body = client.get("/").content.decode()

    assert "会員ページへ</a>" in body and 'href="/member/"' in body
    assert "会員ログイン</a>" not in body and "会員ページにログイン" not in body
