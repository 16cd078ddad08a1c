"""The import direction of docs/architecture.md holds in Python imports and in templates."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent / "binhdan"

# Lower apps first; an app may use only apps listed before it (its own too).
LAYERS: dict[str, set[str]] = {
    "common": set(),
    "places": {"common"},
    "accounts": {"common", "places"},
    "registry": {"common", "places", "accounts"},
    "assistant": {"common", "places", "accounts", "registry"},
    "fieldwork": {"common", "places", "accounts", "registry"},
    "indicators": {"common", "places", "accounts", "registry", "fieldwork"},
    "reports": {"common", "places", "accounts", "registry", "fieldwork", "indicators"},
    # The community programmes sit on top: they read the registry and the indicators, write through the
    # registry's services, and print with the reports' document tools.
    "programmes": {"common", "places", "accounts", "registry", "fieldwork", "indicators", "reports"},
    "certificates": {"common", "places", "accounts", "registry", "fieldwork", "indicators", "reports"},
    "donations": {"common", "places", "accounts", "registry", "fieldwork", "indicators", "reports"},
}
APPS = set(LAYERS) | {"testing"}
LOAD = re.compile(r"{%\s*load\s+([\w\s.]+?)\s*%}")
TEMPLATE_REF = re.compile(r"{%\s*(?:include|extends)\s+[\"'](\w+)/")


def _code_files(app: str) -> list[Path]:
    return [p for p in (ROOT / app).rglob("*.py") if "tests" not in p.parts and "migrations" not in p.parts]


def _imported_apps(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        for name in names:
            parts = name.split(".")
            if parts[0] == "binhdan" and len(parts) > 1 and parts[1] in APPS:
                found.add(parts[1])
    return found


def _tag_owners() -> dict[str, str]:
    return {p.stem: p.parent.parent.name for p in ROOT.glob("*/templatetags/*.py") if p.stem != "__init__"}


@pytest.mark.parametrize("app", sorted(a for a in LAYERS if (ROOT / a).exists()))
def test_app_code_imports_only_lower_apps(app: str) -> None:
    allowed = LAYERS[app] | {app}
    wrong = {
        str(path.relative_to(ROOT)): sorted(_imported_apps(path) - allowed)
        for path in _code_files(app)
        if _imported_apps(path) - allowed
    }
    assert wrong == {}


@pytest.mark.parametrize("app", sorted(a for a in LAYERS if (ROOT / a).exists()))
def test_app_templates_load_only_lower_apps_tags_and_templates(app: str) -> None:
    allowed = LAYERS[app] | {app}
    owners = _tag_owners()
    wrong = []
    for path in (ROOT / app / "templates").rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        for libraries in LOAD.findall(text):
            for library in libraries.split():
                owner = owners.get(library)
                if owner and owner not in allowed:
                    wrong.append(f"{path.name} loads {library} ({owner})")
        for folder in TEMPLATE_REF.findall(text):
            if folder in APPS and folder not in allowed:
                wrong.append(f"{path.name} includes {folder}/…")
    assert wrong == []


def test_shared_templates_use_no_app_tags() -> None:
    owners = _tag_owners()
    wrong = [
        f"{path.name} loads {library}"
        for path in (ROOT / "templates").rglob("*.html")
        for libraries in LOAD.findall(path.read_text(encoding="utf-8"))
        for library in libraries.split()
        if library in owners
    ]
    assert wrong == []


def test_app_code_never_imports_the_test_support_package() -> None:
    users = [
        str(path.relative_to(ROOT))
        for app in LAYERS
        if (ROOT / app).exists()
        for path in _code_files(app)
        if "testing" in _imported_apps(path) and app != "testing"
    ]
    assert users == []


TEMPLATE_NAME = re.compile(r"[\"'](\w+)/[\w/.-]+\.html[\"']")


@pytest.mark.parametrize("app", sorted(a for a in LAYERS if (ROOT / a).exists()))
def test_app_code_renders_only_its_own_or_lower_apps_templates(app: str) -> None:
    allowed = LAYERS[app] | {app}
    wrong = [
        f"{path.relative_to(ROOT)} renders {folder}/…"
        for path in _code_files(app)
        for folder in TEMPLATE_NAME.findall(path.read_text(encoding="utf-8"))
        if folder in APPS and folder not in allowed
    ]
    assert wrong == []
