"""A task for ``test_stale_tasks.py``: the first run gets stuck (and is killed), later runs finish."""

import time
from pathlib import Path

from django_tasks import task


@task()
def hold(*, marker):
    path = Path(marker)
    if not path.exists():
        path.write_text("stuck")
        time.sleep(600)
    return "done"
