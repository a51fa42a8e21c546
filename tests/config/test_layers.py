"""The layering of docs/architecture.md, as import-linter contracts (.importlinter).

CI runs `make layers` on the real tree; this shows the contracts do catch a broken layer: the
same contracts on a copy of the code with one forbidden import added must fail.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
PACKAGES = {"site": ["config", "core", "gateway_sandbox"], ".": ["cms_pages", "membership", "renewal", "imports"]}

pytestmark = pytest.mark.skipif(not LINT_IMPORTS.exists(), reason="import-linter is not installed")


def _copy_tree(target):
    for parent, packages in PACKAGES.items():
        for package in packages:
            shutil.copytree(
                ROOT / parent / package,
                target / parent / package,
                ignore=shutil.ignore_patterns("templates", "static", "fonts", "__pycache__", "*.html", "*.txt"),
            )
    shutil.copy(ROOT / ".importlinter", target / ".importlinter")


def _lint(tree):
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=tree,
        env={"PYTHONPATH": f"{tree / 'site'}:{tree}", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    target = tmp_path_factory.mktemp("layers")
    _copy_tree(target)
    return target


def _add_import(path, line):
    path.write_text(path.read_text(encoding="utf-8") + f"\n{line}\n", encoding="utf-8")


def test_the_code_keeps_every_contract(tree):
    result = _lint(tree)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "BROKEN" not in result.stdout


@pytest.mark.parametrize(
    ("module", "line", "contract"),
    [
        ("site/core/dates.py", "import membership.models  # noqa", "core imports nothing of ours"),
        ("cms_pages/forms.py", "import membership.models  # noqa", "Apps are layered"),
        ("membership/shell.py", "import renewal.models  # noqa", "Apps are layered"),
        (
            "membership/gateway.py",
            "import gateway_sandbox.protocol  # noqa",
            "Only config imports the stand-in gateway",
        ),
        ("renewal/credits.py", "import membership.views  # noqa", "No app imports another app's views or admin"),
        ("imports/services.py", "import renewal.admin  # noqa", "No app imports renewal's views or admin"),
    ],
)
def test_a_forbidden_import_breaks_its_contract(tmp_path, module, line, contract):
    _copy_tree(tmp_path)
    _add_import(tmp_path / module, line)
    result = _lint(tmp_path)
    assert result.returncode == 1, result.stdout
    broken = [row for row in result.stdout.splitlines() if row.endswith("BROKEN")]
    assert any(row.startswith(contract) for row in broken), result.stdout
