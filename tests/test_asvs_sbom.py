"""ASVS 4.0.3 14.2.5: `make sbom` writes a CycloneDX inventory of the Python and npm components."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def bom(tmp_path_factory: pytest.TempPathFactory) -> dict:  # type: ignore[type-arg]
    out = tmp_path_factory.mktemp("s-sbom") / "sbom.cdx.json"
    result = subprocess.run(
        [sys.executable, "scripts/sbom.py", "--output", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return json.loads(out.read_text(encoding="utf-8"))


def _by_name(bom: dict, name: str) -> dict:  # type: ignore[type-arg]
    [found] = [c for c in bom["components"] if c["name"].lower() == name.lower()]
    return found


def test_v14_2_5_the_sbom_is_cyclonedx_1_5_with_the_project_as_its_subject(bom: dict) -> None:  # type: ignore[type-arg]
    assert bom["bomFormat"] == "CycloneDX" and bom["specVersion"] == "1.5" and bom["version"] == 1
    assert re.fullmatch(r"urn:uuid:[0-9a-f-]{36}", bom["serialNumber"])
    assert bom["metadata"]["component"]["name"] == "binhdan"
    refs = [c["bom-ref"] for c in bom["components"]]
    assert len(refs) == len(set(refs)) and "binhdan" not in {c["name"] for c in bom["components"]}


def test_v14_2_5_django_is_listed_with_its_installed_version(bom: dict) -> None:  # type: ignore[type-arg]
    django = _by_name(bom, "Django")
    version = metadata.version("django")
    assert django["version"] == version and django["purl"] == f"pkg:pypi/django@{version}"
    assert django["licenses"]


def test_v14_2_5_npm_packages_come_from_the_lock_file_with_their_hashes(bom: dict) -> None:  # type: ignore[type-arg]
    lock = json.loads((ROOT / "package-lock.json").read_text(encoding="utf-8"))["packages"]
    chart = _by_name(bom, "chart.js")
    assert chart["version"] == lock["node_modules/chart.js"]["version"]
    assert chart["purl"] == f"pkg:npm/chart.js@{chart['version']}" and chart["scope"] == "required"
    assert chart["hashes"][0]["alg"] == "SHA-512" and len(chart["hashes"][0]["content"]) == 128
    assert _by_name(bom, "@kurkle/color")["purl"].startswith("pkg:npm/%40kurkle/color@")
    assert _by_name(bom, "axe-core")["scope"] == "excluded"  # a test tool, never served


def test_the_sbom_reads_back_with_the_cyclonedx_library(bom: dict) -> None:  # type: ignore[type-arg]
    model = pytest.importorskip("cyclonedx.model.bom")
    parsed = model.Bom.from_json(bom)  # type: ignore[attr-defined]
    assert len(parsed.components) == len(bom["components"])


def test_make_security_writes_the_sbom() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    security = makefile.split("\nsecurity:", 1)[1].split("\n\n", 1)[0]
    assert "sbom" in security
    assert "scripts/sbom.py --output var/sbom.cdx.json" in makefile
