"""Browser tests: the real app in a subprocess, driven by Debian's chromium through Playwright.

The app runs as ``manage.py runserver`` on a free 127.0.0.1 port against a fresh SQLite file,
migrated and loaded with ``seed_demo``. pytest-django's ``live_server`` is deliberately not
used: the sync Playwright API runs an event loop in the test thread, which makes Django's ORM
raise ``SynchronousOnlyOperation`` in-process. These tests never touch the database directly.
``running_app`` starts another such app for a module that needs its own, e.g. ``manage.py
devserver`` with ``TASKS_BACKEND=database`` and its ``db_worker`` (test_imports_progress.py).
"""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

PROJECT_DIR = Path(__file__).resolve().parents[2]
ARTIFACTS_DIR = Path(__file__).resolve().parent / "artifacts"

CHROMIUM = os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

VIEWPORTS = {
    "desktop": {"width": 1280, "height": 800},
    "phone": {"width": 390, "height": 844},
}

SERVER_START_TIMEOUT = 60  # seconds

# A second member who can log in, with the same two unpaid years as the demo member, so that
# the payment flow can run once per viewport against one server.
SECOND_MEMBER_NUMBER = "0099001"
# More such members for test_payment_cancel: one who cancels per viewport, one whose invoice the
# staff mark paid at the counter; and a secretariat login of its own (enrolled there).
CANCELLING_MEMBER_NUMBERS = {"desktop": "0099002", "phone": "0099003"}
COUNTER_MEMBER_NUMBER = "0099004"
E2E_STAFF_USERNAME = "e2e-jimu"
PAYING_MEMBER_NUMBERS = (SECOND_MEMBER_NUMBER, *CANCELLING_MEMBER_NUMBERS.values(), COUNTER_MEMBER_NUMBER)
# seed_demo's members inside the renewal window: one may apply, one has applied.
RENEWAL_MEMBER_NUMBERS = ("0020019", "0020020")
# The accessibility walk (test_a11y.py): one member per viewport who pays through steps ② to ④
# and whom an extension programme covers, with a withdrawn leave application in the history;
# and a seeded member on leave (休会復帰申請) who can log in.
A11Y_MEMBER_NUMBERS = {"desktop": "0099011", "phone": "0099012"}
ON_LEAVE_MEMBER_NUMBER = "0020012"
# test_imports_undo.py: a staff member of its own, and a past session to import attendance for.
UNDO_STAFF_USERNAME = "jimukyoku-undo"
UNDO_STAFF_PASSWORD = "Undo2026staff"
UNDO_SEMINAR = "出席者取込の取消確認セミナー"
UNDO_SESSION = "洗浄・消毒の実技"
# test_imports_columns.py: a staff member of its own (previews a sheet against the session above).
COLUMNS_STAFF_USERNAME = "jimukyoku-columns"
COLUMNS_STAFF_PASSWORD = "Columns2026staff"
# test_payment_name.py: members named 山﨑 without an alternate spelling (issue 13, item 2).
ALTERNATE_NAME_MEMBER_NUMBERS = {"desktop": "0099021", "phone": "0099022"}
# test_waiting_list.py: a member who holds the only seat of a session and one who waits for it.
WAITLIST_HOLDER_NUMBER = "0099031"
WAITLIST_WAITER_NUMBER = "0099032"
WAITLIST_SEMINAR = "キャンセル待ち確認セミナー"
# test_checkin.py: a receptionist (受付 group) of its own, beside seed_demo's (uketsuke).
CHECKIN_STAFF_USERNAME = "e2e-uketsuke"
CHECKIN_STAFF_PASSWORD = "Desk2026e2e"
# test_dashboard.py: a member whose renewal the secretariat approved (更新料 未納), whose dashboard
# shows the application's longest state.
APPROVED_RENEWAL_NUMBER = "0099041"
E2E_EXTRA_DATA = f"""
from membership.billing.dues import dues_subject
from membership.billing.invoices import create_invoice
from membership.models import Invoice, Member, User
from core.dates import current_fiscal_year
from membership.demo import DEMO_MEMBER_PASSWORD, DEMO_STAFF_PASSWORD
from django.contrib.auth.models import Group
for number in {PAYING_MEMBER_NUMBERS!r}:
    user = User.objects.create_user(username=number, email=f"m{{number}}@example.jp", password=DEMO_MEMBER_PASSWORD)
    member = Member.objects.create(user=user, member_number=number, family_name="佐藤", given_name="健",
        family_name_kana="サトウ", given_name_kana="ケン", home_postal_code="060-0001", home_prefecture="北海道",
        home_address1="札幌市中央区北一条西1-1")
    for year in (current_fiscal_year() - 1, current_fiscal_year()):
        create_invoice(member=member, category=Invoice.Category.DUES, fiscal_year=year,
        subject=dues_subject(year), amount=5000)
staff = User.objects.create_user(username="{E2E_STAFF_USERNAME}", email="e2e-jimu@example.jp",
    password=DEMO_STAFF_PASSWORD, kind=User.Kind.STAFF, is_staff=True)
staff.groups.add(Group.objects.get(name="事務局"))
# The demo members due for renewal (renewal.demo.ensure_demo_renewals) get a password to log in.
for number in {RENEWAL_MEMBER_NUMBERS!r}:
    renewing = User.objects.get(username=number)
    renewing.set_password(DEMO_MEMBER_PASSWORD)
    renewing.save()
on_leave = User.objects.get(username="{ON_LEAVE_MEMBER_NUMBER}")
on_leave.set_password(DEMO_MEMBER_PASSWORD)
on_leave.save()
import datetime
from django.utils import timezone
from membership.applications import cancel_application, earliest_effective_on, submit_application
from renewal.models import ExtensionProgramme
today = timezone.localdate()
a11y_expiry = datetime.date(today.year + 2, 6, 15)  # no seeded member's certification ends on it
ExtensionProgramme.objects.create(name="E2E 更新延長措置", prefectures="北海道", expires_from=a11y_expiry,
    expires_until=a11y_expiry, applications_close_on=today + datetime.timedelta(days=30))
for number in {tuple(A11Y_MEMBER_NUMBERS.values())!r}:
    user = User.objects.create_user(username=number, email=f"a11y-{{number}}@example.jp", password=DEMO_MEMBER_PASSWORD)
    member = Member.objects.create(user=user, member_number=number, family_name="鈴木", given_name="花子",
        family_name_kana="スズキ", given_name_kana="ハナコ", home_postal_code="060-0001", home_prefecture="北海道",
        home_address1="札幌市中央区北一条西1-1", certification_expires_on=a11y_expiry)
    create_invoice(member=member, category=Invoice.Category.DUES, fiscal_year=current_fiscal_year(),
        subject=dues_subject(current_fiscal_year()), amount=5000)
    leave = submit_application(member=member, kind="leave", leave_reason="childcare",
        effective_on=earliest_effective_on(member, "leave", today))
    cancel_application(member=member, application_id=leave.pk)
# The import undo test (test_imports_undo.py): its own staff member (enrols the authenticator app
# itself) and a session held last month, worth points in a category the demo member has none of.
import datetime
from django.contrib.auth.models import Group
from django.utils import timezone
from renewal.models import CreditCategory, Seminar, Session
staff = User.objects.create_user(username="{UNDO_STAFF_USERNAME}", email="undo-staff@example.jp",
    password="{UNDO_STAFF_PASSWORD}", kind=User.Kind.STAFF, is_staff=True)
staff.groups.add(Group.objects.get(name="事務局"))
staff = User.objects.create_user(username="{COLUMNS_STAFF_USERNAME}", email="columns-staff@example.jp",
    password="{COLUMNS_STAFF_PASSWORD}", kind=User.Kind.STAFF, is_staff=True)
staff.groups.add(Group.objects.get(name="事務局"))
held = timezone.localdate() - datetime.timedelta(days=30)
seminar = Seminar.objects.create(title="{UNDO_SEMINAR}", starts_on=held, ends_on=held,
    application_opens_on=held - datetime.timedelta(days=60), application_closes_on=held - datetime.timedelta(days=1))
Session.objects.create(seminar=seminar, title="{UNDO_SESSION}", points=7,
    credit_category=CreditCategory.objects.get(name="機器講習会"))
# test_payment_name.py: a member whose name has 﨑 and no alternate spelling, one per viewport.
for number in {tuple(ALTERNATE_NAME_MEMBER_NUMBERS.values())!r}:
    user = User.objects.create_user(username=number, email=f"alt-{{number}}@example.jp", password=DEMO_MEMBER_PASSWORD)
    member = Member.objects.create(user=user, member_number=number, family_name="山﨑", given_name="花子",
        family_name_kana="ヤマザキ", given_name_kana="ハナコ", home_postal_code="060-0001", home_prefecture="北海道",
        home_address1="札幌市中央区北一条西1-1")
    create_invoice(member=member, category=Invoice.Category.DUES, fiscal_year=current_fiscal_year(),
        subject=dues_subject(current_fiscal_year()), amount=5000)
# test_waiting_list.py: a session with one seat, held by one member; the other will wait for it.
from renewal.registrations import register
for number in ("{WAITLIST_HOLDER_NUMBER}", "{WAITLIST_WAITER_NUMBER}"):
    user = User.objects.create_user(username=number, email=f"wl-{{number}}@example.jp", password=DEMO_MEMBER_PASSWORD)
    Member.objects.create(user=user, member_number=number, family_name="高橋", given_name="誠",
        family_name_kana="タカハシ", given_name_kana="マコト")
seminar = Seminar.objects.create(title="{WAITLIST_SEMINAR}", venue="大阪国際会議場",
    starts_on=today + datetime.timedelta(days=20), ends_on=today + datetime.timedelta(days=20),
    application_opens_on=today - datetime.timedelta(days=5), application_closes_on=today + datetime.timedelta(days=10))
session = Session.objects.create(seminar=seminar, title="定員1名の実技", points=3, capacity=1,
    credit_category=CreditCategory.objects.get(name="機器講習会"))
register(member=Member.objects.get(member_number="{WAITLIST_HOLDER_NUMBER}"), session=session, participation_format="onsite")
# test_checkin.py: a receptionist of the check-in desk (enrols the authenticator app itself).
receptionist = User.objects.create_user(username="{CHECKIN_STAFF_USERNAME}", email="e2e-uketsuke@example.jp",
    password="{CHECKIN_STAFF_PASSWORD}", kind=User.Kind.STAFF, is_staff=True)
receptionist.groups.add(Group.objects.get(name="受付"))
# test_dashboard.py: a member in the renewal window with the points, applied and approved.
from core.dates import add_months
from renewal import renewals
from renewal.demo import RENEWAL_POINTS
from renewal.models import Credit
user = User.objects.create_user(username="{APPROVED_RENEWAL_NUMBER}", email="approved@example.jp",
    password=DEMO_MEMBER_PASSWORD)
member = Member.objects.create(user=user, member_number="{APPROVED_RENEWAL_NUMBER}", family_name="森", given_name="花",
    family_name_kana="モリ", given_name_kana="ハナ", home_postal_code="060-0001", home_prefecture="北海道",
    home_address1="札幌市中央区北一条西1-1",
    certification_expires_on=add_months(today, 4).replace(day=1) - datetime.timedelta(days=1))
for name, value in RENEWAL_POINTS.items():
    Credit.objects.create(member=member, credit_category=CreditCategory.objects.get(name=name), points=value,
        earned_on=today - datetime.timedelta(days=400), source=Credit.Source.CERTIFICATE, title=name)
application = renewals.submit_renewal(member=member, today=today)
renewals.approve_renewal(application_id=application.pk, user=User.objects.get(username="{E2E_STAFF_USERNAME}"))
"""


def pytest_collection_modifyitems(items):
    """Every test under tests/e2e carries the ``e2e`` marker."""
    here = Path(__file__).resolve().parent
    for item in items:
        if here in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.e2e)


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _server_env(db_path, media_root, base_url):
    env = os.environ.copy()
    # A development server: DEBUG on, no production variables leaking in from the CI shell.
    for name in ("SECRET_KEY", "ALLOWED_HOSTS", "SITE_URL", "CSRF_TRUSTED_ORIGINS", "SECURE_SSL_REDIRECT"):
        env.pop(name, None)
    env.update(
        DEBUG="1",
        DATABASE_URL=f"sqlite:///{db_path}",
        # As `make run`: the gateway sandbox keeps its records in a SQLite file of its own.
        SANDBOX_DATABASE_URL=f"sqlite:///{db_path.with_name('sandbox.sqlite3')}",
        # As `make run PORT=N` (never 8000 here): SITE_URL follows PORT, so mails, the sandbox
        # gateway's URLs and its notifications point at this very server (issue 13, item 1).
        PORT=base_url.rsplit(":", 1)[1],
        PAYMENT_GATEWAY="sandbox",
        MEDIA_ROOT=str(media_root),
        PRIVATE_FILES_ROOT=str(media_root.parent / "private"),
        TASKS_BACKEND="immediate",
        EMAIL_BACKEND="django.core.mail.backends.console.EmailBackend",
        PYTHONUNBUFFERED="1",
    )
    return env


def _manage(args, env, log):
    log.write(f"\n$ manage.py {' '.join(args)}\n")
    log.flush()
    subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=PROJECT_DIR,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        check=True,
        timeout=300,
    )


def _wait_until_up(url, process, log_path):
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    last_error = None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, OSError) as exc:
            last_error = exc
        time.sleep(0.2)
    raise RuntimeError(
        f"the app did not answer at {url} (exit code {process.poll()}, last error {last_error!r}).\n"
        f"--- server log {log_path} ---\n{_tail(log_path)}"
    )


def _tail(path, lines=60):
    try:
        return "\n".join(Path(path).read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


class RunningApp:
    """The app in a subprocess (``url``, its ``log_path``); ``stop()`` ends it (idempotent)."""

    def __init__(self, url, process, log_path):
        self.url, self.process, self.log_path = url, process, Path(log_path)

    def log(self):
        return self.log_path.read_text(errors="replace")

    def mails_since(self, offset):
        """The server's output from ``offset`` (a byte position) on: the mails it sent since
        (console e-mail backend)."""
        with open(self.log_path, "rb") as log:
            log.seek(offset)
            return log.read().decode(errors="replace")

    def log_size(self):
        return self.log_path.stat().st_size

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@contextmanager
def running_app(*, command=("runserver",), setup=E2E_EXTRA_DATA, port=None, **env_overrides):
    """Migrate and seed a fresh SQLite file, run ``setup`` (shell code), then serve with
    ``manage.py <command> 127.0.0.1:<free port>``; yields the RunningApp, stopped on exit.
    The server's log is copied to the artifacts folder afterwards (for reading a failure)."""
    workdir = Path(tempfile.mkdtemp(prefix="e2e-"))
    db_path = workdir / "e2e.sqlite3"
    media_root = workdir / "media"
    media_root.mkdir()
    log_path = workdir / "server.log"
    port = port or _free_port()  # a module may pin its server to a port of its own
    base_url = f"http://127.0.0.1:{port}"
    env = _server_env(db_path, media_root, base_url)
    env.update(env_overrides)
    app = None
    with open(log_path, "w") as log:
        try:
            try:
                _manage(["migrate", "--noinput", "-v", "0"], env, log)
                _manage(["migrate", "--database", "sandbox", "--noinput", "-v", "0"], env, log)
                _manage(["seed_demo"], env, log)
                if setup:
                    _manage(["shell", "-c", setup], env, log)
            except subprocess.CalledProcessError as exc:
                raise RuntimeError(f"{exc}\n--- log {log_path} ---\n{_tail(log_path)}") from None
            process = subprocess.Popen(
                [sys.executable, "manage.py", *command, f"127.0.0.1:{port}", "--noreload"],
                cwd=PROJECT_DIR,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            app = RunningApp(base_url, process, log_path)
            _wait_until_up(f"{base_url}/member/login", process, log_path)
            yield app
        finally:
            if app is not None:
                app.stop()
    ARTIFACTS_DIR.mkdir(exist_ok=True)
    shutil.copy(log_path, ARTIFACTS_DIR / f"server-{port}.log")
    shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture(scope="session")
def app_server():
    """The real app, migrated and seeded, in a subprocess (one for the whole run)."""
    with running_app() as app:
        yield app


@pytest.fixture(scope="session")
def app_url(app_server):
    """Base URL (no trailing slash) of the real app."""
    return app_server.url


@pytest.fixture(scope="session")
def browser():
    """One headless chromium for the whole session."""
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium fonts-ipaexfont-gothic")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="session")
def artifacts_dir():
    ARTIFACTS_DIR.mkdir(exist_ok=True)
    return ARTIFACTS_DIR


@pytest.fixture(params=list(VIEWPORTS), ids=list(VIEWPORTS))
def viewport(request):
    """The viewport name, ``desktop`` (1280x800) or ``phone`` (390x844); tests run at both."""
    return request.param


@contextmanager
def browser_page(browser, base_url, viewport):
    """A fresh page (own context: no cookies shared) at ``base_url`` and the viewport named."""
    size = VIEWPORTS[viewport]
    context = browser.new_context(
        base_url=base_url,
        viewport=size,
        locale="ja-JP",
        timezone_id="Asia/Tokyo",
        is_mobile=viewport == "phone",
        has_touch=viewport == "phone",
        device_scale_factor=1,
    )
    context.set_default_timeout(10_000)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture
def page(browser, app_url, viewport):
    """A fresh page (own context: no cookies shared between tests) at the given viewport."""
    with browser_page(browser, app_url, viewport) as page:
        yield page
