"""tests/http_adapters.py: the in-process Django adapter and the recording adapter."""

import pytest
import requests
from django.conf import settings

from gateway_sandbox import delivery
from tests.http_adapters import DjangoAppAdapter, RecordingAdapter, mounted

from .helpers import ORDER_ID, pay_by_card

pytestmark = pytest.mark.django_db


@pytest.fixture
def session():
    session = requests.Session()
    session.mount(settings.SITE_URL, DjangoAppAdapter())
    return session


def test_django_app_adapter_serves_the_search_api_in_process(client, commit, notify, session):
    pay_by_card(client, commit)

    response = session.post(
        f"{settings.GMO_API_URL}/payment/SearchTradeMulti.idPass",
        data={"ShopID": "tshop00000001", "ShopPass": "sandbox-pass", "OrderID": ORDER_ID, "PayType": "0"},
        timeout=10,
    )

    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    assert response.encoding.lower() == "utf-8"
    assert "Status=CAPTURE" in response.text
    assert response.url.startswith(settings.SITE_URL)


def test_django_app_adapter_answers_errors_like_a_server(session):
    assert session.get(f"{settings.GMO_API_URL}/payment/SearchTradeMulti.idPass").status_code == 405
    assert session.get(f"{settings.SITE_URL}/sandbox-gateway/no-such-page").status_code == 404


def test_django_app_adapter_enforces_csrf_like_a_real_client(session, settings):
    settings.DEBUG = True

    response = session.post(f"{settings.SITE_URL}/sandbox-gateway/console/", data={"action": "resend_undelivered"})

    assert response.status_code == 403


def test_django_app_adapter_passes_query_strings_and_follows_redirects(session, settings):
    settings.DEBUG = False

    response = session.get(f"{settings.SITE_URL}/sandbox-gateway/console/?x=1")

    assert response.history and response.history[0].status_code == 302
    assert "next=/sandbox-gateway/console/%3Fx%3D1" in response.url
    assert response.status_code == 200


def test_django_app_adapter_refuses_other_sites():
    adapter = DjangoAppAdapter("http://127.0.0.1:8000")
    session = requests.Session()
    session.mount("http://", adapter)

    with pytest.raises(requests.ConnectionError):
        session.get("http://example.com/")


def test_sandbox_notifications_can_reach_the_app_in_process(client, commit, settings):
    """The wiring the client-side tests use: the sandbox's session served by the app itself."""
    settings.SANDBOX_NOTIFY_URL = f"{settings.SITE_URL}/sandbox-gateway/api/payment/SearchTradeMulti.idPass"
    adapter = DjangoAppAdapter()

    with mounted(delivery.http, settings.SITE_URL, adapter):
        pay_by_card(client, commit)

    # The search API is no notification endpoint; the answer is an error, not "0".
    assert len(adapter.requests) == 1
    assert adapter.requests[0].headers["Content-Type"] == "application/x-www-form-urlencoded"


def test_recording_adapter_records_and_answers():
    adapter = RecordingAdapter(lambda request: (201, "created", {"X-Test": "yes"}))
    session = requests.Session()
    with mounted(session, "https://shop.example/", adapter):
        response = session.post("https://shop.example/hook", data={"a": "1", "b": "漢字"})

    assert (response.status_code, response.text, response.headers["X-Test"]) == (201, "created", "yes")
    assert adapter.forms() == [{"a": "1", "b": "漢字"}]
    assert "https://shop.example/" not in session.adapters
