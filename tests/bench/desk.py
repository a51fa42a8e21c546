"""Check-in desks posting codes from other processes (a benchmark helper for test_checkins.py).

Run with the ``spawn`` start method: the child sets Django up on its own and talks to the
benchmark's test database, as one more server worker process would. Nothing of Django is
imported before ``init_worker`` has set it up.
"""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

_worker = {}


def init_worker(database_name, url):
    """Pool initializer: set Django up in this process against the benchmark's test database."""
    for path in (ROOT, ROOT / "site"):
        sys.path.insert(0, str(path))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.test.utils import setup_test_environment

    settings.DATABASES["default"]["NAME"] = database_name
    setup_test_environment(debug=False)  # as in production: no query logging
    _worker["url"] = url


def receptionist_client(username):
    """A staff user with admin access and 受付 only, logged in with the second factor."""
    from django.contrib.auth.models import Permission
    from django.test import Client

    from membership.models import User
    from tests.two_factor import log_in_staff

    user = User.objects.create_user(username=username, password="x", kind=User.Kind.STAFF, is_staff=True)
    user.user_permissions.add(
        Permission.objects.get(codename="access_admin"), Permission.objects.get(codename="check_in")
    )
    return log_in_staff(Client(), user)


def post_codes(client, url, codes, expected):
    """Post each code (action 参加済にする); every answer must be ``expected``. Returns the count."""
    for code in codes:
        response = client.post(url, {"code": code, "action": "attend"})
        assert response.status_code == 200 and response.json()["status"] == expected, response.content
    return len(codes)


def log_in_worker(_index=None):
    """This process's receptionist, logged in once (a worker may be handed several tasks)."""
    if "client" not in _worker:
        _worker["client"] = receptionist_client(f"bench-desk-{os.getpid()}")
    return True


def worker_post(codes):
    log_in_worker()
    return post_codes(_worker["client"], _worker["url"], codes, "attended")
