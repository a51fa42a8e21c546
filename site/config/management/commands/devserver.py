"""``manage.py devserver [addrport]``: ``runserver`` with a ``db_worker`` beside it (``make run``).

Development runs the background tasks as production does (``TASKS_BACKEND=database``): an
import, a mail or a PDF is queued and the worker runs it, so a large import's page shows its
progress live instead of the upload waiting for the whole file. The worker is a child process in
its own process group (Ctrl-C in the terminal reaches the server; the server's end stops the
worker), reloaded on code changes like the server. It is stopped whenever the server stops:
Ctrl-C, SIGTERM, or a server that cannot start (port in use). A task cut off that way is left
as a killed worker leaves it (``recover_stale_tasks``; an import job is released by its lease).

With another task backend (``TASKS_BACKEND=immediate``) tasks run in the request and this is
plain ``runserver``.
"""

import os
import signal
import subprocess
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV

DATABASE_BACKEND = "django_tasks_db.DatabaseBackend"
STOP_SECONDS = 10


def _exit_on_sigterm(signum, frame):
    sys.exit(0)


class Command(BaseCommand):
    help = "runserver with a db_worker for the background tasks, stopped with it (make run)."
    requires_system_checks = []  # runserver runs them

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", help="optional port number, or ipaddr:port (as runserver)")
        parser.add_argument(
            "--noreload", action="store_false", dest="use_reloader", help="reload neither server nor worker"
        )

    def handle(self, *args, addrport=None, use_reloader=True, **options):
        runserver_args = [addrport] if addrport else []
        if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
            # The autoreloader's child process serves; its parent started the worker.
            call_command("runserver", *runserver_args, use_reloader=True)
            return
        if settings.TASKS["default"]["BACKEND"] != DATABASE_BACKEND:
            self.stdout.write("Background tasks run in the request (TASKS_BACKEND is not 'database'): no worker.")
            call_command("runserver", *runserver_args, use_reloader=use_reloader)
            return
        worker = self.start_worker(use_reloader)
        signal.signal(signal.SIGTERM, _exit_on_sigterm)
        try:
            call_command("runserver", *runserver_args, use_reloader=use_reloader)
        finally:
            self.stop_worker(worker)

    def start_worker(self, use_reloader):
        command = [
            sys.executable,
            str(settings.BASE_DIR / "manage.py"),
            "db_worker",
            "--reload" if use_reloader else "--no-reload",
            "--no-startup-delay",
        ]
        # Its own session: the terminal's Ctrl-C goes to the server alone; stop_worker ends the group.
        worker = subprocess.Popen(command, stdin=subprocess.DEVNULL, start_new_session=True)
        self.stdout.write(f"Background tasks: db_worker started (pid {worker.pid}); it stops with the server.")
        return worker

    def stop_worker(self, worker):
        if worker.poll() is None:
            self._signal_group(worker, signal.SIGTERM)
            try:
                worker.wait(timeout=STOP_SECONDS)
            except subprocess.TimeoutExpired:
                pass
        self._signal_group(worker, signal.SIGKILL)  # anything of the group still there (the reloaded child)
        worker.wait()
        self.stdout.write(f"Background tasks: db_worker (pid {worker.pid}) stopped.")

    @staticmethod
    def _signal_group(worker, signum):
        try:
            os.killpg(worker.pid, signum)
        except ProcessLookupError:
            pass
