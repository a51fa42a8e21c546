"""A production worker (config.wsgi) starts with its URLconf loaded and its heap frozen out of
the garbage collector's full collections (core.worker)."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_wsgi_application_loads_its_views_and_freezes_its_heap():
    probe = (
        "import gc, sys; import config.wsgi; "
        "print(gc.get_freeze_count() > 100_000, 'renewal.views.seminars' in sys.modules)"
    )
    env = {**os.environ, "DEBUG": "1", "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'site'}"}
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True"]
