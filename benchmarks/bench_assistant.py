"""Assistant benchmark: index build time and answer latency on the project's own question files.

Run: DEBUG=1 .venv/bin/python benchmarks/bench_assistant.py [FILE.tsv | FILE.txt ...]
Prints the warm-up time (what a serving process pays in AssistantConfig.ready()) and the first question
after it, through the whole answer (`services.ask`, target ≤ 200 ms): in this process, and in fresh
processes started as a server starts one (a WSGI worker importing config.wsgi) beside `manage.py shell`,
which does not warm (the cold figure); then per .tsv file: questions, top-1, top-3, p50/p95/max
milliseconds, and per .txt file (one off-topic question a line): the share answered "not sure" (≥ 90%).
"""

from __future__ import annotations

import csv
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "1")

import django  # noqa: E402

_setup_started = time.perf_counter()
django.setup()  # AssistantConfig.ready() warms the index here, as in a WSGI worker
SETUP_SECONDS = time.perf_counter() - _setup_started

from binhdan.assistant import services  # noqa: E402
from binhdan.assistant.retrieval import warm  # noqa: E402

FIRST_QUESTION = "Con ơi, dạy ông cách đổi sim 4G cho cái máy cục gạch nhỉ"
FRESH_RUNS = 3
# Run in a fresh process after start-up: time the first question there, through the whole answer.
_TIME_FIRST = f"""
import json, time
from binhdan.assistant import services
t = time.perf_counter()
services.ask(question={FIRST_QUESTION!r}, remember=False)
print("FIRST" + json.dumps((time.perf_counter() - t) * 1000))
"""
# A gunicorn worker: argv names gunicorn and config.wsgi is imported (django.setup(), which warms).
_SERVED = "import sys; sys.argv = ['gunicorn', 'config.wsgi']\nimport config.wsgi\n" + _TIME_FIRST


def _first_question_ms(*command: str) -> float:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "DEBUG": "1", "PYTHONPATH": str(ROOT)}
    env.pop("RUN_MAIN", None)
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=True, timeout=300)
    return float(next(line[5:] for line in done.stdout.splitlines() if line.startswith("FIRST")))


def fresh_processes() -> None:
    """The first question of a served process (warmed at start) and of a shell (not warmed), FRESH_RUNS each."""
    served = [_first_question_ms(sys.executable, "-c", _SERVED) for _ in range(FRESH_RUNS)]
    cold = [
        _first_question_ms(sys.executable, "manage.py", "shell", "-c", _TIME_FIRST) for _ in range(FRESH_RUNS)
    ]
    print(
        f"first question in a served process (config.wsgi, warmed at start): "
        f"{', '.join(f'{ms:.1f}' for ms in served)} ms (target ≤ 200 ms)"
    )
    print(f"first question without the warm-up (manage.py shell): {', '.join(f'{ms:.1f}' for ms in cold)} ms")


DEFAULT_FILES = [
    ROOT / "binhdan/assistant/tuning/paraphrases.tsv",
    ROOT / "binhdan/assistant/tests/data/paraphrases.tsv",
    ROOT / "binhdan/assistant/tuning/offtopic.txt",
]


def main(paths: list[Path]) -> None:
    index = warm()  # already done by django.setup(); returns the same index
    print(
        f"index: {len(index.guides)} guides, {len(index.lexicon)} words; django.setup() with warm-up "
        f"{SETUP_SECONDS:.2f} s"
    )
    t = time.perf_counter()
    services.ask(question=FIRST_QUESTION, remember=False)  # the whole answer, as the page and the API ask
    print(
        f"first question after warm-up (this process, services.ask): {(time.perf_counter() - t) * 1000:.1f} ms"
    )
    fresh_processes()
    for path in paths:
        if path.suffix == ".txt":
            questions = [q.strip() for q in path.read_text("utf-8").splitlines() if q.strip()]
            abstained = sum(not index.rank(q).confident for q in questions)
            print(f"{path.name}: {len(questions)} off-topic, not confident {abstained / len(questions):.1%}")
            continue
        with path.open(encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle, delimiter="\t"))
        latencies, top1, top3 = [], 0, 0
        for repeat in range(5):  # repeat to steady the timings; accuracy counted on the first pass
            for row in rows:
                t = time.perf_counter()
                ranking = index.rank(row["question"])
                latencies.append((time.perf_counter() - t) * 1000)
                if repeat == 0:
                    accepted = set(row["topics"].split("|"))
                    topics = [set(s.guide.topics) for s in ranking.results[:3]]
                    top1 += bool(topics and topics[0] & accepted)
                    top3 += any(t & accepted for t in topics)
        latencies.sort()
        print(
            f"{path.name}: {len(rows)} questions, top-1 {top1 / len(rows):.1%}, top-3 {top3 / len(rows):.1%}, "
            f"p50 {statistics.median(latencies):.2f} ms, p95 {latencies[int(0.95 * (len(latencies) - 1))]:.2f} ms, "
            f"max {latencies[-1]:.2f} ms"
        )


if __name__ == "__main__":
    main([Path(p) for p in sys.argv[1:]] or DEFAULT_FILES)
