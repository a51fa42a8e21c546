"""The README's production section lists every command that must run on a timer."""

from pathlib import Path

import pytest
from django.conf import settings

# Commands that do their work only when run (cron / systemd timer); nothing else starts them.
PERIODIC_COMMANDS = [
    "reconcile_payments",
    "recover_stale_tasks",
    "purge_import_files",
    "purge_invoice_batches",
    "apply_membership_applications",
    "sweep_waiting_lists",
    "run_auto_charges",  # 自動継続: the runs the database backend did not queue or that were interrupted
    "publish_scheduled",  # Wagtail: an editor's 公開予約 and 有効期限
]


def production_section():
    readme = (Path(settings.BASE_DIR) / "README.md").read_text()
    return readme.split("## Running in production", 1)[1].split("\n## ", 1)[0]


@pytest.mark.parametrize("command", PERIODIC_COMMANDS)
def test_the_production_section_runs_each_periodic_command(command):
    assert f"manage.py {command}" in production_section()
