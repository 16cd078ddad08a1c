"""Documentation that cannot drift: every environment variable the code reads is documented."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
READERS = re.compile(
    r"""env_(?:str|bool|int|list)\(\s*["']([A-Z0-9_]+)["']|os\.environ(?:\.get)?\(\s*["']([A-Z0-9_]+)["']"""
)
# Set by tests or tools for themselves, not configuration of the app.
NOT_SETTINGS = {"DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}


def _variables_read_by_code() -> set[str]:
    names: set[str] = set()
    for path in [*ROOT.glob("config/*.py"), *ROOT.glob("binhdan/**/*.py")]:
        if "/tests/" in str(path) or "/testing/" in str(path):
            continue
        for match in READERS.finditer(path.read_text(encoding="utf-8")):
            names.add(match.group(1) or match.group(2))
    return names - NOT_SETTINGS


def test_code_reads_the_core_settings():
    assert {"DATABASE_URL", "SECRET_KEY", "ALLOWED_HOSTS", "DEBUG"} <= _variables_read_by_code()


def test_every_setting_is_in_docs_configuration():
    documented = set(
        re.findall(r"^\|\s*`([A-Z0-9_]+)`", (ROOT / "docs/configuration.md").read_text(), re.MULTILINE)
    )
    missing = _variables_read_by_code() - documented
    assert not missing, f"undocumented in docs/configuration.md: {sorted(missing)}"


def test_every_setting_is_in_env_example():
    example = set(re.findall(r"^#?\s*([A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.MULTILINE))
    missing = _variables_read_by_code() - example
    assert not missing, f"missing from .env.example: {sorted(missing)}"
