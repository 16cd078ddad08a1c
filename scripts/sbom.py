#!/usr/bin/env python3
"""Write a CycloneDX 1.5 JSON SBOM of binhdan: the Python packages installed in the environment that runs
this script (importlib.metadata) and the npm packages of package-lock.json (OWASP ASVS 14.2.5).

    .venv/bin/python scripts/sbom.py [--output var/sbom.cdx.json]

`make sbom` runs it; `make security` too. Standard library only, so it runs on any machine that has the
virtual environment; no service is asked. The project itself is the BOM's `metadata.component`.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import json
import re
import sys
import uuid
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
SPEC_VERSION = "1.5"
HASH_ALGORITHMS = {"sha1": "SHA-1", "sha256": "SHA-256", "sha384": "SHA-384", "sha512": "SHA-512"}


def _pypi_name(name: str) -> str:
    """PEP 503 normalisation, as the purl spec asks for pypi names."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _project() -> tuple[str, str]:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    name = re.search(r'^name\s*=\s*"([^"]+)"', text, re.MULTILINE)
    version = re.search(r'^version\s*=\s*"([^"]+)"', text, re.MULTILINE)
    return (name.group(1) if name else "binhdan"), (version.group(1) if version else "0")


def _licenses(dist: metadata.Distribution) -> list[dict[str, Any]]:
    meta = dist.metadata
    expression = (meta.get("License-Expression") or "").strip()
    if expression:
        return [{"expression": expression}]
    names = [c.split(" :: ")[-1] for c in meta.get_all("Classifier") or [] if c.startswith("License :: ")]
    short = (meta.get("License") or "").strip()
    if not names and short and "\n" not in short and len(short) <= 80:
        names = [short]
    return [{"license": {"name": n}} for n in dict.fromkeys(names)]


def python_components(skip: set[str]) -> list[dict[str, Any]]:
    seen: dict[str, dict[str, Any]] = {}
    for dist in metadata.distributions():
        raw_name = dist.metadata.get("Name")
        if not raw_name:
            continue
        name = _pypi_name(raw_name)
        if name in skip or name in seen:
            continue
        version = dist.version
        purl = f"pkg:pypi/{name}@{quote(version, safe='')}"
        component: dict[str, Any] = {
            "type": "library",
            "bom-ref": purl,
            "name": raw_name,
            "version": version,
            "purl": purl,
        }
        licenses = _licenses(dist)
        if licenses:
            component["licenses"] = licenses
        seen[name] = component
    return sorted(seen.values(), key=lambda c: c["name"].lower())


def _npm_purl(name: str, version: str) -> str:
    if name.startswith("@"):
        scope, _, bare = name.partition("/")
        return f"pkg:npm/{quote(scope, safe='')}/{quote(bare, safe='')}@{quote(version, safe='')}"
    return f"pkg:npm/{quote(name, safe='')}@{quote(version, safe='')}"


def npm_components(lock_path: Path) -> list[dict[str, Any]]:
    if not lock_path.is_file():
        return []
    lock = json.loads(lock_path.read_text(encoding="utf-8"))
    components = []
    for path, entry in sorted(lock.get("packages", {}).items()):
        if not path or "node_modules/" not in path or entry.get("link"):
            continue
        name = entry.get("name") or path.rsplit("node_modules/", 1)[1]
        version = entry.get("version", "")
        purl = _npm_purl(name, version)
        component: dict[str, Any] = {
            "type": "library",
            "bom-ref": purl,
            "name": name,
            "version": version,
            "purl": purl,
            # Used only by the tests (axe-core), never served: CycloneDX's scope for "not shipped".
            "scope": "excluded" if entry.get("dev") else "required",
        }
        if entry.get("license"):
            component["licenses"] = [{"expression": entry["license"]}]
        algorithm, _, digest = (entry.get("integrity") or "").partition("-")
        if algorithm in HASH_ALGORITHMS and digest:
            component["hashes"] = [
                {"alg": HASH_ALGORITHMS[algorithm], "content": base64.b64decode(digest).hex()}
            ]
        if entry.get("resolved"):
            component["externalReferences"] = [{"type": "distribution", "url": entry["resolved"]}]
        components.append(component)
    return components


def build() -> dict[str, Any]:
    name, version = _project()
    project_ref = f"pkg:pypi/{_pypi_name(name)}@{version}"
    return {
        "bomFormat": "CycloneDX",
        "specVersion": SPEC_VERSION,
        "serialNumber": f"urn:uuid:{uuid.uuid4()}",
        "version": 1,
        "metadata": {
            "timestamp": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
            "tools": {"components": [{"type": "application", "name": "binhdan scripts/sbom.py"}]},
            "component": {
                "type": "application",
                "bom-ref": project_ref,
                "name": name,
                "version": version,
                "purl": project_ref,
            },
            "properties": [{"name": "python", "value": sys.version.split()[0]}],
        },
        "components": [*python_components({_pypi_name(name)}), *npm_components(ROOT / "package-lock.json")],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", type=Path, default=ROOT / "var" / "sbom.cdx.json")
    args = parser.parse_args(argv)
    bom = build()
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(bom, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"SBOM (CycloneDX {SPEC_VERSION}): {len(bom['components'])} components -> {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
