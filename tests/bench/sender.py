"""A gateway delivering notifications from another process (a benchmark helper).

Run with the ``spawn`` start method: the child sets Django up on its own and talks to the
benchmark's test database, as one more server worker process would.
"""

import os
import sys
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

ROOT = Path(__file__).resolve().parents[2]


def canned_trade_status(request):
    """The gateway's answer for a paid card order, as SearchTradeMulti gives it."""
    fields = dict(parse_qsl(request.body))
    return 200, urlencode(
        {"OrderID": fields["OrderID"], "Status": "CAPTURE", "ProcessDate": "20250601120000", "JobCd": "CAPTURE",
         "AccessID": "A" + fields["OrderID"][-7:], "Amount": "5000", "Tax": "0", "PayType": "0"}
    )  # fmt: skip


_client = None


def init_worker(database_name):
    """Pool initializer: set Django up in this process against the benchmark's test database."""
    global _client
    for path in (ROOT, ROOT / "site"):
        sys.path.insert(0, str(path))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.test import Client
    from django.test.utils import setup_test_environment

    settings.DATABASES["default"]["NAME"] = database_name
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    setup_test_environment(debug=False)  # as in production: no query logging

    from membership import gateway
    from tests.http_adapters import RecordingAdapter

    adapter = RecordingAdapter(canned_trade_status)
    gateway.http.mount(settings.SITE_URL, adapter)
    _client = Client()


def ready(_):
    from django.db import connection

    connection.ensure_connection()
    return True


def send_notifications(bodies):
    """POST ``bodies`` to the notification endpoint; returns how many were acknowledged."""
    acknowledged = 0
    for body in bodies:
        response = _client.post("/payments/gmo/notify", body, content_type="application/x-www-form-urlencoded")
        acknowledged += response.content == b"0"
    return acknowledged
