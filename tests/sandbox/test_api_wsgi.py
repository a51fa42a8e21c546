"""The sandbox's server-to-server API is served by the site's WSGI application without the site's
middleware (as the real gateway, another company's server, would be); its pages and ours keep it."""

import io
from urllib.parse import urlencode
from wsgiref.util import setup_testing_defaults

import pytest
from django.core import signals
from django.db import close_old_connections

from .helpers import search_path

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def keep_test_connection():
    """As Django's test client does: the requests must not close the test's database connection."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def call(path, form=None):
    """One request through ``config.wsgi.application``, as gunicorn makes it: status, headers, body."""
    from config.wsgi import application

    body = urlencode(form or {}).encode()
    environ = {"PATH_INFO": path, "SERVER_NAME": "127.0.0.1", "HTTP_HOST": "127.0.0.1"}
    if form is not None:
        environ.update(REQUEST_METHOD="POST", CONTENT_TYPE="application/x-www-form-urlencoded",
                       CONTENT_LENGTH=str(len(body)), **{"wsgi.input": io.BytesIO(body)})  # fmt: skip
    setup_testing_defaults(environ)
    answer = {}

    def start_response(status, headers):
        answer.update(status=status, headers=dict(headers))

    response = application(environ, start_response)
    try:
        content = b"".join(response)
    finally:
        response.close()
    return answer["status"], answer["headers"], content.decode()


def test_the_gateway_api_answers_without_the_sites_middleware():
    form = {"ShopID": "tshop00000001", "ShopPass": "sandbox-pass", "OrderID": "D2026-9999999-XXXX", "PayType": "0"}

    status, headers, body = call(search_path(), form)

    assert (status, body) == ("200 OK", "ErrCode=E01&ErrInfo=E01040010")
    # Nothing of our site's: no CSP, no frame options, no session or CSRF cookie.
    assert not {"Content-Security-Policy", "X-Frame-Options", "Set-Cookie"} & set(headers)


def test_the_gateway_api_refuses_get_as_before():
    status, _headers, _body = call(search_path())

    assert status.startswith("405")


def test_our_pages_keep_the_sites_middleware():
    status, headers, _body = call("/member/login")

    assert status == "200 OK"
    assert "Content-Security-Policy" in headers and headers["X-Frame-Options"] == "DENY"
