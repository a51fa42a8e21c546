"""Registering a card on file as a member does it: our page, the sandbox's page, back to ours."""

from urllib.parse import urlsplit

from django.conf import settings
from django.urls import reverse

CARD_OK = "4111111111111111"
CARD_DECLINED = "4000000000000002"
CARD_EXPIRED = "4000000000000069"


def local(url):
    """A URL of this site (the sandbox lives here) as a path for the test client."""
    assert url.startswith(settings.SITE_URL), url
    parts = urlsplit(url)
    return parts.path


def register_card(client, number=CARD_OK, expiry="12/39"):
    """Press カードを登録する (or 変更する), type the card into the gateway's page, come back."""
    page = client.post(reverse("member:autopay_card"))
    assert page.status_code == 302, page.content.decode()
    gateway_page = local(page.url)
    assert "/member/" in gateway_page  # the gateway's card registration page
    form = {"card_number": number, "expiry": expiry, "holder_name": "HANAKO YAMADA", "security_code": "123"}
    done = client.post(gateway_page, form)
    assert done.status_code == 200
    assert "カードを登録しました" in done.content.decode(), done.content.decode()
    back = client.post(reverse("member:autopay_return"), {"MemberID": "forged", "Cardeditno": "x"})
    return client.get(back.url, follow=True)
