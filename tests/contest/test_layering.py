"""The layers and size limits of docs/architecture.md, checked on the source itself.

* services and models know no Flask and no web layer;
* no blueprint package imports another's modules (what two share lives in contest/web);
* the web layer imports no blueprint package; create_app wires everything explicitly;
* no application file over 500 lines, no function over 60 lines (ruff checks complexity).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CONTEST = ROOT / "contest"
AREAS = ("accounts", "admin", "api", "banks", "essay", "public", "quiz", "results")
MAX_FILE_LINES = 500
MAX_FUNCTION_LINES = 60
# The OpenAPI document is data written as code: one long literal per group of paths.
LONG_FUNCTIONS_ALLOWED = {"contest/api/openapi.py", "contest/api/openapi_quiz.py"}


def _sources(*folders: Path) -> list[Path]:
    return sorted(p for folder in folders for p in folder.rglob("*.py"))


def _imports(path: Path) -> set[str]:
    """Every module a file imports, at the top or inside a function."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _is_under(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


@pytest.mark.parametrize("layer", ["services", "models"])
def test_services_and_models_know_no_flask_and_no_web_layer(layer):
    bad = [
        (_rel(path), module)
        for path in _sources(CONTEST / layer)
        for module in _imports(path)
        if _is_under(module, "flask")
        or _is_under(module, "contest.web")
        or any(_is_under(module, f"contest.{area}") for area in AREAS)
    ]
    assert not bad, bad


def test_services_never_reach_up_to_the_cli_or_the_demo():
    bad = [
        (_rel(path), module)
        for path in _sources(CONTEST / "services")
        for module in _imports(path)
        if _is_under(module, "contest.cli") or _is_under(module, "contest.demo")
    ]
    assert not bad, bad


@pytest.mark.parametrize("area", AREAS)
def test_no_blueprint_package_imports_another(area):
    bad = [
        (_rel(path), module)
        for path in _sources(CONTEST / area)
        for module in _imports(path)
        for other in AREAS
        if other != area and _is_under(module, f"contest.{other}")
    ]
    assert not bad, bad


def test_the_web_layer_imports_no_blueprint_package():
    bad = [
        (_rel(path), module)
        for path in _sources(CONTEST / "web")
        for module in _imports(path)
        if any(_is_under(module, f"contest.{area}") for area in AREAS)
    ]
    assert not bad, bad


def test_wiring_is_explicit():
    for path in _sources(CONTEST):
        assert "importlib" not in _imports(path), _rel(path)


def test_every_blueprint_is_registered(app):
    """Each module that defines a blueprint is listed in create_app."""
    registered = {bp.import_name for bp in app.blueprints.values()}
    defined = {
        ".".join(path.relative_to(ROOT).with_suffix("").parts)
        for path in _sources(*(CONTEST / area for area in AREAS))
        if "Blueprint(" in path.read_text(encoding="utf-8")
    }
    assert defined <= registered, defined - registered


def test_no_application_file_is_too_long():
    long_files = [
        (_rel(path), n)
        for path in _sources(CONTEST, ROOT / "question_bank")
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_FILE_LINES
    ]
    assert not long_files, long_files


def test_no_application_function_is_too_long():
    long_functions = []
    for path in _sources(CONTEST, ROOT / "question_bank"):
        if _rel(path) in LONG_FUNCTIONS_ALLOWED:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = node.end_lineno - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    long_functions.append((_rel(path), node.name, length))
    assert not long_functions, long_functions
