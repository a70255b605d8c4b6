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


# Imports of another package's private module still waiting for their own part of issue 14:
# the address policy leaves notices._recheck, and request states leave notices._tracking.
# Each entry must go once its import does (the last test says so), so none lingers.


def module_name(path: Path) -> str:
    parts = ("reclaim", *path.relative_to(PACKAGE).with_suffix("").parts)
    return ".".join(parts).removesuffix(".__init__")


def private_imports(path: Path, importer: str) -> set[str]:
    """Return each ``reclaim`` module that ``path`` (module ``importer``) may not import.

    A module ``a.b._c`` is private to ``a.b``: only modules inside ``a.b`` may import it.
    """
    found = set()
    for name in imported_names(path) | imported_submodules(path):
        parts = name.split(".")
        private = next((i for i, part in enumerate(parts) if part.startswith("_")), None)
        if parts[0] != "reclaim" or private is None or parts[private].startswith("__"):
            continue
        owner = ".".join(parts[:private])
        if not (importer == owner or importer.startswith(owner + ".")):
            found.add(".".join(parts[: private + 1]))
    return found


def imported_submodules(path: Path) -> set[str]:
    """Return ``a.b._c`` for each ``from a.b import _c``: a private module by another route."""
    return {
        f"{node.module}.{alias.name}"
        for node in ast.walk(ast.parse(path.read_text(), str(path)))
        if isinstance(node, ast.ImportFrom) and node.module
        for alias in node.names
    }


def all_private_imports() -> set[tuple[str, str]]:
    return {
        (str(path.relative_to(PACKAGE)), name)
        for path in sorted(PACKAGE.rglob("*.py"))
        for name in private_imports(path, module_name(path))
    }


def test_no_module_imports_a_private_module_of_another_package() -> None:
    assert all_private_imports() == set()


def test_the_private_import_check_sees_each_way_of_importing(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text(
        "import reclaim.capture._sign\n"
        "from reclaim.locker._custody import GENESIS\n"
        "from reclaim.packs._export import PackError\n"  # its own package: allowed
        "def f() -> None:\n    from reclaim.locker import _stream\n"
    )
    assert private_imports(probe, "reclaim.packs._probe") == {
        "reclaim.capture._sign",
        "reclaim.locker._custody",
        "reclaim.locker._stream",
    }
