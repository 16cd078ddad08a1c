"""The index is built when a serving process starts (AssistantConfig.ready), and the first question uses it.

Each check runs in a fresh Python process, as a server starts one: a WSGI worker imports config.wsgi
(what gunicorn does), `manage.py shell` does not serve. How fast the first question then answers is a
figure, not a test: benchmarks/bench_assistant.py prints it ("first question in a served process").
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

# What the served process reports: was the index built during start-up, and did the first question use it?
REPORT = """
import json
from binhdan.assistant import retrieval, services
built = retrieval._index_for.cache_info()
answer = services.ask(question="lam sao kich hoat tai khoan vneid", remember=False)
after = retrieval._index_for.cache_info()
print("REPORT" + json.dumps({
    "built_at_start": built.currsize, "builds_at_start": built.misses, "builds_after_question": after.misses,
    "guide": answer.guide.id if answer.guide else None,
}))
"""
# A gunicorn worker: argv names gunicorn and config.wsgi is imported, which runs django.setup().
SERVED = "import sys; sys.argv = ['gunicorn', 'config.wsgi']\nimport config.wsgi\n" + REPORT


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.update(DJANGO_SETTINGS_MODULE="config.settings", DEBUG="1", PYTHONPATH=str(ROOT))
    env.pop("RUN_MAIN", None)
    return env


def _report(*command: str) -> dict[str, object]:
    done = subprocess.run(
        command, cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=180, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    line = next(line for line in done.stdout.splitlines() if line.startswith("REPORT"))
    return json.loads(line.removeprefix("REPORT"))


def test_a_served_process_builds_the_index_at_start_and_its_first_question_uses_it():
    report = _report(sys.executable, "-c", SERVED)
    assert report["built_at_start"] == 1 and report["builds_at_start"] == 1
    assert report["builds_after_question"] == 1  # the first question built nothing more
    assert report["guide"]  # and it was answered with a guide


def test_a_management_shell_does_not_build_it():
    report = _report(sys.executable, "manage.py", "shell", "-c", REPORT)
    assert report["built_at_start"] == 0
    assert report["builds_after_question"] == 1  # built on first use instead
