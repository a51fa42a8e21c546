"""BENCH peak_throughput_vs_login and members_200_think_5s_p95_ms: the members area under load.

gunicorn runs as the README's production line says (DEBUG off, its worker count, PostgreSQL,
the settings' production defaults) against the benchmark's database of 10,000 members with 20
years of history (tests/bench/history.py), on loopback beside the load generator
(tests/bench/load.py), both on this machine's cores:

- ``peak_throughput_vs_login``: requests/s sustained on a mix of the dashboard, the dues page
  and the seminar list, for 200 logged-in members in turn, over requests/s on the
  anonymous login page; the two measured alternately, ROUNDS times, the median ratio;
- ``members_200_think_5s_p95_ms``: the 95th percentile response time while 200 members each
  load one of those pages every 5 s (± 20%), and ``members_200_think_5s_failed``: how many of
  their requests failed or took longer than 10 s (counted in the p95 with the time they took).
"""

import itertools
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection
from django.urls import reverse

from tests.bench import history
from tests.bench.load import fetch, saturate, think_time_latencies

ROOT = Path(__file__).resolve().parents[2]
PORT = int(os.environ.get("BENCH_CAPACITY_PORT", "8681"))  # another port for a second checkout
WORKERS = 2 * (os.cpu_count() or 1) + 1  # the README's production line: 2 × cores + 1
CLIENTS = 2 * WORKERS  # enough in flight to keep every worker busy
SECONDS = 6
ROUNDS = 3
THINK_SECONDS = 5
THINK_RUN_SECONDS = 25


def production_environment():
    """The README's production environment, pointed at the benchmark's database."""
    db = connection.settings_dict
    url = (
        f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    )
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DB_", "SESSION_"))}
    env.update(
        DEBUG="0", SECRET_KEY=history.SECRET_KEY, ALLOWED_HOSTS="127.0.0.1", DATABASE_URL=url,
        SITE_URL="https://127.0.0.1", TASKS_BACKEND="database", PAYMENT_GATEWAY="gmo",
        GMO_LINK_URL="https://link.invalid", GMO_API_URL="https://api.invalid", GMO_SHOP_ID="bench",
        GMO_SHOP_PASS="bench", GMO_CONFIG_ID="bench", GMO_SITE_ID="bench", GMO_SITE_PASS="bench", PYTHONPATH="",
    )  # fmt: skip
    return env


@pytest.fixture
def gunicorn():
    env = production_environment()
    python = sys.executable
    subprocess.run([python, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
    bin_dir = Path(python).parent
    server = subprocess.Popen(
        [bin_dir / "gunicorn", "--pythonpath", "site", "config.wsgi", "--bind", f"127.0.0.1:{PORT}",
         "--workers", str(WORKERS), "--log-level", "warning"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    try:
        for _ in range(300):
            try:
                fetch(PORT, "/member/login")
                break
            except (OSError, AssertionError):
                time.sleep(0.1)
        yield PORT
    finally:
        server.terminate()
        server.wait(timeout=30)


# A (rolled-back) database test, so that pytest-django runs it with the member pages' benchmark,
# before the transactional benchmarks, which flush the committed society: it only reads.
@pytest.mark.django_db
def test_peak_throughput_vs_login(society, gunicorn):
    _, cookies = society
    port = gunicorn
    pages = [reverse("member:dashboard"), reverse("member:dues"), reverse("renewal:seminars")]
    member_mix = [(path, cookie) for cookie in cookies for path in pages]
    login = [(reverse("member:login"), "")]
    for path, cookie in member_mix[:30] + login:  # warm every worker up
        fetch(port, path, cookie)
    ratios = []
    for _ in range(ROUNDS):
        login_rate = saturate(port, itertools.cycle(login), clients=CLIENTS, seconds=SECONDS)
        member_rate = saturate(port, itertools.cycle(member_mix), clients=CLIENTS, seconds=SECONDS)
        ratios.append(member_rate / login_rate)
        print(f"\n  login {login_rate:.0f}/s, members' pages {member_rate:.0f}/s")
    users = [[(path, cookie) for path in pages[n % 3 :] + pages[: n % 3]] for n, cookie in enumerate(cookies)]
    latencies, failed = think_time_latencies(port, users, think=THINK_SECONDS, seconds=THINK_RUN_SECONDS)
    p95 = statistics.quantiles(latencies, n=20)[-1]
    print(f"BENCH peak_throughput_vs_login {statistics.median(ratios):.2f} ratio")
    print(f"BENCH members_200_think_5s_p95_ms {p95 * 1000:.0f} ms")
    print(f"BENCH members_200_think_5s_failed {failed} requests")
