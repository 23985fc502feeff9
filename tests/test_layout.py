"""Nothing in the repository shadows the standard library's `numbers` (DESIGN.md).

A top-level `numbers` package would be imported instead of the standard
library's, and then `import decimal` fails, and every price is a Decimal.
"""

import ast
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PROJECT = REPO / "exoinventory"
# Installed or generated, not the repository's own (collectstatic writes
# staticfiles/numbers/ from static/numbers/).
SKIPPED = {".git", ".venv", "staticfiles", "__pycache__", ".pytest_cache", ".ruff_cache"}
# Django namespaces templates and static files by app label: these folders
# hold no Python and are never on sys.path.
APP_LABEL_FOLDERS = {REPO / "templates" / "admin" / "numbers", REPO / "static" / "numbers"}


def test_numbers_imported_from_the_repository_root_is_the_standard_librarys() -> None:
    # `python -c` puts the working directory first on sys.path, as
    # manage.py, Celery and gunicorn do.
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import numbers, decimal; print(numbers.__file__); print(decimal.Decimal('1.50'))",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    numbers_file, decimal_value = result.stdout.split()
    stdlib = Path(sysconfig.get_path("stdlib", vars={"installed_base": sys.base_prefix}))
    assert Path(numbers_file).resolve().is_relative_to(stdlib.resolve())
    assert Path(numbers_file).resolve().is_relative_to(Path(sys.base_prefix).resolve())
    assert decimal_value == "1.50"


def test_no_numbers_module_or_folder_exists_outside_the_project_package() -> None:
    found = []
    for folder, subfolders, files in os.walk(REPO):
        here = Path(folder)
        subfolders[:] = [
            name for name in subfolders if name not in SKIPPED and here / name != PROJECT
        ]
        found += [
            here / name
            for name in subfolders
            if name == "numbers" and here / name not in APP_LABEL_FOLDERS
        ]
        found += [here / name for name in files if name in ("numbers.py", "numbers.pyc")]

    assert found == []


def test_the_app_label_folders_of_templates_and_static_files_hold_no_python() -> None:
    for folder in APP_LABEL_FOLDERS:
        assert not list(folder.rglob("*.py")), folder


def _imported_modules(path: Path) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules.add(node.module)
    return modules


def test_the_exotel_and_simulator_packages_import_no_django_and_nothing_of_the_app() -> None:
    # Statically: the project package's __init__ loads the Celery app (and
    # Django with it), so a runtime check could not tell these packages apart.
    for package in ("exotel", "simulator"):
        files = sorted((PROJECT / package).glob("*.py"))
        assert len(files) >= 5, package
        for path in files:
            imported = _imported_modules(path)
            assert not {m for m in imported if m == "django" or m.startswith("django.")}, path
            assert not {m for m in imported if m.startswith("exoinventory.numbers")}, path
