"""Child processes for crash tests: start one on the test database, wait until it is stuck in
the middle of its work, then kill it with SIGKILL (no cleanup, no rollback by Python)."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.db import connection

REPO = Path(__file__).resolve().parent.parent


def database_url():
    """``DATABASE_URL`` of the database this test runs on (pytest-django's test database)."""
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def child_env(**extra):
    env = {
        **os.environ,
        "DEBUG": "1",
        "DATABASE_URL": database_url(),
        "PYTHONPATH": f"{REPO}{os.pathsep}{REPO / 'site'}",
    }
    env.update({key: str(value) for key, value in extra.items()})
    return env


def start(args, **env):
    return subprocess.Popen(
        [sys.executable, *args], cwd=REPO, env=child_env(**env), stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )


def wait_for(path, process, timeout=60):
    """Wait until the child has created ``path`` (it is stuck where the test wants it)."""
    deadline = time.monotonic() + timeout
    while not Path(path).exists():
        if process.poll() is not None:
            raise AssertionError(f"the child ended early:\n{process.stdout.read().decode(errors='replace')}")
        if time.monotonic() > deadline:
            process.kill()
            raise AssertionError("the child never got stuck")
        time.sleep(0.1)


def kill(process):
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL


def kill_when_stuck(args, marker, **env):
    """Start ``python args``, wait for ``marker``, SIGKILL it."""
    process = start(args, **env)
    try:
        wait_for(marker, process)
    finally:
        if process.poll() is None:
            kill(process)
