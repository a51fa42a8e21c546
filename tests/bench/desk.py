"""Check-in desks posting codes over HTTP (a benchmark helper for test_checkins.py).

Each desk is a receptionist's phone: its own staff user with admin access and 受付 only, logged
in with the second factor (the session row the server reads on every request), which opened the
desk page once through the server for its CSRF token, then posts one code per request, on a new
connection each time, as a phone behind the HTTPS proxy would.
"""

import http.client
import json
import re
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlencode

from tests.bench.load import PROXY_HEADERS, TIMEOUT

ORIGIN = "https://127.0.0.1"  # what the proxy's address is for the CSRF origin check


@dataclass
class Desk:
    cookie: str  # the session's and the CSRF cookie
    csrf_token: str  # the desk page's token, sent back as the script does (X-CSRFToken)


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


def request(port, method, path, *, cookie="", body=None, headers=None):
    """One request on a new connection; (status, headers, body text)."""
    all_headers = {**PROXY_HEADERS, **({"Cookie": cookie} if cookie else {}), **(headers or {})}
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
    try:
        connection.request(method, path, body=body, headers=all_headers)
        response = connection.getresponse()
        text = response.read().decode()
        return response.status, response.getheaders(), text
    finally:
        connection.close()


def open_desk(port, desk_path, session_cookie):
    """The desk page through the server, as the phone opens it: its CSRF cookie and token."""
    status, headers, page = request(port, "GET", desk_path, cookie=session_cookie)
    assert status == 200, (status, page[:300])
    csrf_cookie = next(
        value.split(";", 1)[0] for name, value in headers if name.lower() == "set-cookie" and "csrftoken=" in value
    )
    token = re.search(r'data-csrf-token="([^"]+)"', page)[1]
    return Desk(cookie=f"{session_cookie}; {csrf_cookie}", csrf_token=token)


def post_code(port, scan_path, desk, code, action="attend"):
    """One scan; its answer's status (``attended``, ``already``, ...) and its seconds."""
    started = time.perf_counter()
    status, _headers, text = request(
        port, "POST", scan_path, cookie=desk.cookie, body=urlencode({"code": code, "action": action}),
        headers={"Content-Type": "application/x-www-form-urlencoded", "X-CSRFToken": desk.csrf_token,
                 "Origin": ORIGIN, "Accept": "application/json"},
    )  # fmt: skip
    elapsed = time.perf_counter() - started
    assert status == 200, (status, text[:300])
    return json.loads(text)["status"], elapsed


def scan_all(port, scan_path, desks, codes, expected):
    """Every code posted once, the desks posting at once (each its next code as soon as its last
    one was answered); every answer must be ``expected``. Returns (scans/s, each scan's seconds)."""
    lock = threading.Lock()
    pending = iter(codes)
    latencies, errors = [], []

    def desk_loop(desk):
        try:
            while True:
                with lock:
                    code = next(pending, None)
                if code is None:
                    return
                status, elapsed = post_code(port, scan_path, desk, code)
                assert status == expected, (code, status)
                latencies.append(elapsed)
        except Exception as error:  # reported below, in the test's thread
            errors.append(error)

    started = time.perf_counter()
    threads = [threading.Thread(target=desk_loop, args=(desk,)) for desk in desks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise errors[0]
    return len(codes) / elapsed, latencies
