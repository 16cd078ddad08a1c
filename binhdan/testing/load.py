"""A commune for the load benchmark (benchmarks/bench_load.py): villages with teams, members holding API
tokens, team leaders who sign in with a password, households and residents, one team report each, and
(on request) months of visits already recorded."""

from __future__ import annotations

import datetime as dt
import random
import uuid as uuid_lib
from typing import Any

from binhdan.accounts.models import User
from binhdan.accounts.tokens import create_api_token
from binhdan.fieldwork.models import TeamRole
from binhdan.fieldwork.services import add_team_member, create_team
from binhdan.places.models import Kind, Level, Place
from binhdan.places.services import add_village
from binhdan.testing.scenarios import bulk_households

PASSWORD = "Mat-khau-thu-2025"
HISTORY_DAYS = 90  # how far back the visits of `history` go
HISTORY_SKILLS = ["thanh-toan-qr", "vneid-muc-2", "nhan-biet-lua-dao", "dien-thoai-co-ban"]


def load_commune(
    *, villages: int, households: int, people: int, members: int, history: int = 0
) -> dict[str, Any]:
    """`villages` villages of one commune, each with `households` households of `people` residents, a team
    of `members` members (each with an API token) and a leader (password `PASSWORD`), and a draft team
    report per team. With `history`, that many visits per household over the last `HISTORY_DAYS` days,
    pushed by the village's members through the sync API's service (the registry's one write path), and
    the indicators' rollups caught up with them: a commune in use, not one on its first day.

    Returns {"villages": [{"id", "leader", "report", "members": [token, …], "households": [[id, [resident
    ids]], …]}, …]}.
    """
    from django.utils import timezone

    from binhdan.reports.models import ReportKind
    from binhdan.reports.periods import quarter_of
    from binhdan.reports.services import create_report

    # A commune of its own (the official places may be loaded: codes of their own, outside the official list).
    province = Place.objects.create(code="T99", name="Tỉnh Thử Tải", kind=Kind.TINH, level=Level.PROVINCE)
    commune = Place.objects.create(
        code="X99999", name="Xã Thử Tải", kind=Kind.XA, level=Level.COMMUNE, parent=province
    )
    out = []
    pushers: list[tuple[list[User], dict[int, list[int]]]] = []
    for v in range(villages):
        village = add_village(commune=commune, name=f"Thôn {v + 1}")
        team = create_team(village=village)
        leader = User.objects.create_user(f"totruong{v}", password=PASSWORD)
        add_team_member(team=team, user=leader, role=TeamRole.LEADER)
        tokens, users = [], []
        for m in range(members):
            member = User.objects.create_user(f"tovien{v}-{m}")  # token only: no password to hash
            add_team_member(team=team, user=member)
            tokens.append(create_api_token(user=member))
            users.append(member)
        by_home = bulk_households(
            village,
            count=households,
            people=people,
            tag=f"{v}-",
            number=lambda i: f"{i:05d}",
            birth_year=lambda number, j: 1950 + (7 * j + number) % 60,
        )
        pushers.append((users, by_home))
        report = create_report(
            by=leader,
            kind=ReportKind.TEAM_QUARTERLY,
            commune=commune,
            team=team,
            period=quarter_of(timezone.localdate()),
        )
        out.append(
            {
                "id": village.pk,
                "leader": leader.username,
                "report": report.pk,
                "members": tokens,
                "households": [[pk, ids] for pk, ids in by_home.items()],
            }
        )
    if history:
        _push_history(pushers, history)
    return {"villages": out}


def _push_history(pushers: list[tuple[list[User], dict[int, list[int]]]], per_household: int) -> None:
    """`per_household` visits of every household, each by one of its village's members (households dealt
    out among them), at random times of the last `HISTORY_DAYS` days; then the rollups catch up."""
    from django.utils import timezone

    from binhdan.fieldwork import sync
    from binhdan.indicators import rollup

    rng = random.Random(2025)
    now = timezone.now()
    for members, by_home in pushers:
        records: dict[int, list[dict[str, Any]]] = {m.pk: [] for m in members}
        for n, (household, residents) in enumerate(sorted(by_home.items())):
            mine = records[members[n % len(members)].pk]
            mine += [_history_visit(rng, now, household, residents) for _ in range(per_household)]
        for member in members:
            mine = records[member.pk]
            for start in range(0, len(mine), 200):
                answers = sync.push(user=member, records=mine[start : start + 200])
                refused = [a for a in answers if a["status"] != sync.CREATED]
                if refused:
                    raise ValueError(f"history not stored: {refused[:3]}")
    rollup.catch_up()


def _history_visit(
    rng: random.Random, now: dt.datetime, household: int, residents: list[int]
) -> dict[str, Any]:
    """A visit record as a phone sends it: one or two of the household's people, two skills each."""
    at = now - dt.timedelta(seconds=rng.randint(3600, HISTORY_DAYS * 86400))
    people = residents[: rng.randint(1, min(2, len(residents)))] if residents else []
    skills = [[{"skill": s, "outcome": "guided"} for s in rng.sample(HISTORY_SKILLS, 2)] for _ in people]
    return {
        "uuid": str(uuid_lib.UUID(int=rng.getrandbits(128), version=4)),
        "type": "visit",
        "data": {
            "household": household,
            "visited_at": at.astimezone(dt.timezone(dt.timedelta(hours=7))).isoformat(),
            "minutes": 15,
            "channel": "door",
            "people": [{"resident": r, "skills": k} for r, k in zip(people, skills, strict=True)],
        },
    }
