"""The architecture (docs/architecture.md) holds: the import contracts in .importlinter pass, and they
catch a layer, domain, dashboard or cycle violation when one is written into a copy of the code."""

from __future__ import annotations

import configparser
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
CONFIG = REPO_ROOT / ".importlinter"
LINT_IMPORTS = str(Path(sys.executable).with_name("lint-imports"))
PACKAGES = ("pipelines", "app_streamlit", "models_ml")


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    """lint-imports with the repository's contracts over the packages found under `root`."""
    return subprocess.run(
        [LINT_IMPORTS, "--config", str(CONFIG), "--no-cache"],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root), "COLUMNS": "400"},  # one line per contract
        capture_output=True,
        text=True,
        check=False,
    )


def contract_names() -> dict[str, str]:
    config = configparser.ConfigParser()
    config.read(CONFIG)
    prefix = "importlinter:contract:"
    return {section.removeprefix(prefix): config[section]["name"] for section in config if section.startswith(prefix)}


def test_the_import_contracts_are_kept() -> None:
    done = lint_imports(REPO_ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    names = contract_names()
    assert set(names) == {"layers", "domains", "dashboards", "models-ml", "pure-packages", "no-cycles"}
    for name in names.values():
        assert f"{name} KEPT" in done.stdout, name
    assert f"{len(names)} kept, 0 broken" in done.stdout


# contract -> (file, the import appended to it, what the report of the broken contract names)
VIOLATIONS = {
    # a domain reading another domain's assets (what quality -> ingest and publish -> quality did)
    "domains": (
        "pipelines/defs/publish/assets.py",
        "import pipelines.defs.quality.checks",
        "pipelines.defs.publish.assets -> pipelines.defs.quality.checks",
    ),
    # a pure package reaching up into the Dagster definitions
    "layers": (
        "pipelines/warehouse.py",
        "import pipelines.definitions",
        "pipelines.warehouse -> pipelines.definitions",
    ),
    "dashboards": ("app_streamlit/data.py", "import dagster", "app_streamlit.data -> dagster"),
    "models-ml": ("models_ml/__init__.py", "import dagster", "models_ml -> dagster"),
    # routing imports reasons already: the reverse import closes a circle
    "no-cycles": (
        "pipelines/fulfillment/reasons.py",
        "import pipelines.fulfillment.routing",
        "No cycles are allowed in pipelines.fulfillment",
    ),
}


@pytest.mark.parametrize("contract", sorted(VIOLATIONS))
def test_a_violation_breaks_its_contract(tmp_path: Path, contract: str) -> None:
    for package in PACKAGES:
        shutil.copytree(REPO_ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    file, line, named = VIOLATIONS[contract]
    with open(tmp_path / file, "a") as code:
        code.write(f"\n{line}  # noqa\n")
    done = lint_imports(tmp_path)
    assert done.returncode != 0, done.stdout
    assert f"{contract_names()[contract]} BROKEN" in done.stdout, done.stdout
    assert named in done.stdout.split("Broken contracts")[1], done.stdout
