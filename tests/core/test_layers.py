"""The core never imports Django: the web app and the CLI are the only doors to it."""

import ast
import subprocess
import sys
from pathlib import Path

import reclaim

PACKAGE = Path(reclaim.__file__).parent
OUTSIDE_CORE = ("web", "cli")


def core_modules() -> list[Path]:
    return [
        path
        for path in sorted(PACKAGE.rglob("*.py"))
        if path.relative_to(PACKAGE).parts[0] not in OUTSIDE_CORE
    ]


def imported_names(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_there_is_a_core_to_check() -> None:
    assert len(core_modules()) >= 5


def test_no_core_module_imports_django() -> None:
    offenders = {
        str(path.relative_to(PACKAGE)): sorted(
            name for name in imported_names(path) if name.split(".")[0] == "django"
        )
        for path in core_modules()
    }
    assert {path: names for path, names in offenders.items() if names} == {}


def test_importing_the_whole_core_loads_no_django() -> None:
    modules = [
        ".".join(("reclaim", *path.relative_to(PACKAGE).with_suffix("").parts)).removesuffix(
            ".__init__"
        )
        for path in core_modules()
    ]
    script = f"import importlib, sys\nfor m in {modules!r}: importlib.import_module(m)\n"
    script += "print(sorted(m for m in sys.modules if m.split('.')[0] == 'django'))"
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
