"""``manage.py devserver`` (``make run``): runserver with a db_worker beside it, and the worker
never outlives the server. The real pair is started by tests/e2e/test_imports_progress.py."""

import signal
import subprocess
import sys

import pytest
from django.core.management import call_command

from config.management.commands import devserver

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def fake_runserver(monkeypatch):
    """Replace runserver; ``calls`` records how it was called, ``outcome`` what it does."""
    state = {"calls": [], "outcome": None}

    def runserver(name, *args, **options):
        assert name == "runserver"
        state["calls"].append((args, options))
        if state["outcome"] is not None:
            raise state["outcome"]

    monkeypatch.setattr(devserver, "call_command", runserver)
    monkeypatch.setattr(devserver.signal, "signal", lambda *args: None)  # keep pytest's own handlers
    return state


@pytest.fixture
def sleeping_worker(monkeypatch):
    """The worker's command replaced by a process that would sleep for a minute; returns them."""
    started = []
    popen = subprocess.Popen

    def start(command, **kwargs):
        assert command[2:4] == ["db_worker", "--no-reload"]
        process = popen([sys.executable, "-c", "import time; time.sleep(60)"], **kwargs)
        started.append(process)
        return process

    monkeypatch.setattr(devserver.subprocess, "Popen", start)
    return started


def test_with_the_immediate_backend_it_is_runserver_alone(settings, fake_runserver, sleeping_worker, capsys):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    call_command("devserver", "127.0.0.1:8101", "--noreload")
    assert fake_runserver["calls"] == [(("127.0.0.1:8101",), {"use_reloader": False})]
    assert sleeping_worker == []
    assert "no worker" in capsys.readouterr().out


@pytest.mark.parametrize(
    "outcome",
    [None, SystemExit(1), KeyboardInterrupt()],
    ids=["server-stopped", "server-failed-to-start", "ctrl-c"],
)
def test_the_worker_stops_when_the_server_stops(settings, fake_runserver, sleeping_worker, outcome):
    settings.TASKS = DATABASE_TASKS
    fake_runserver["outcome"] = outcome
    try:
        call_command("devserver", "127.0.0.1:8101", "--noreload")
    except (SystemExit, KeyboardInterrupt) as raised:
        assert raised is outcome
    assert fake_runserver["calls"] == [(("127.0.0.1:8101",), {"use_reloader": False})]
    (worker,) = sleeping_worker
    assert worker.poll() is not None  # waited for: gone, not a zombie
    assert worker.returncode in (-signal.SIGTERM, -signal.SIGKILL)
