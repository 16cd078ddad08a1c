"""A commune for the load benchmark (benchmarks/bench_load.py): villages with teams, members holding API
tokens, team leaders who sign in with a password, households and residents, and one team report each."""

from __future__ import annotations

from typing import Any

from binhdan.accounts.models import User
from binhdan.accounts.tokens import create_api_token
from binhdan.fieldwork.models import TeamRole
from binhdan.fieldwork.services import add_team_member, create_team
from binhdan.places.models import Kind, Level, Place
from binhdan.places.services import add_village
from binhdan.testing.scenarios import bulk_households

PASSWORD = "Mat-khau-thu-2025"


def load_commune(*, villages: int, households: int, people: int, members: int) -> dict[str, Any]:
    """`villages` villages of one commune, each with `households` households of `people` residents, a team
    of `members` members (each with an API token) and a leader (password `PASSWORD`), and a draft team
    report per team.

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
    for v in range(villages):
        village = add_village(commune=commune, name=f"Thôn {v + 1}")
        team = create_team(village=village)
        leader = User.objects.create_user(f"totruong{v}", password=PASSWORD)
        add_team_member(team=team, user=leader, role=TeamRole.LEADER)
        tokens = []
        for m in range(members):
            member = User.objects.create_user(f"tovien{v}-{m}")  # token only: no password to hash
            add_team_member(team=team, user=member)
            tokens.append(create_api_token(user=member))
        by_home = bulk_households(
            village,
            count=households,
            people=people,
            tag=f"{v}-",
            number=lambda i: f"{i:05d}",
            birth_year=lambda number, j: 1950 + (7 * j + number) % 60,
        )
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
    return {"villages": out}
