"""Thi đua (emulation): how the leaderboards rank teams, digital ambassadors and digital families.

The rules live here, as named functions and constants, and the leaderboard page explains them from
`TEAM_SCORE_PARTS`, `TEAM_ORDER`, `MENTOR_ORDER` and `HOUSEHOLD_ORDER`. Equal keys share a rank
("1, 2, 2, 4"); the name only orders the page, it never decides a rank.

- Tổ CNSCĐ tiêu biểu: the team's score is the average, in percent, of five quotas (`TEAM_SCORE_PARTS`):
  the team has 7-12 members (0 or 1), the team has ≥50 resident-guidance records in the quarter (0 or
  1), and the shares of its members who look after ≥10 households, who worked enough hours every week
  and who are trained. Higher score first, then more guidance records.
- Đại sứ số tiêu biểu: more mentees who became independent ("đã tự sử dụng được") first, then more
  mentees.
- Gia đình số tiêu biểu: households that are Gia đình số on the day, more adults with basic digital skills
  first; the first `HOUSEHOLD_BOARD_SIZE` are shown.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Generic, TypeVar

from binhdan.common.text import sort_key
from binhdan.fieldwork.rules import MAX_TEAM_SIZE, MIN_HOUSEHOLDS_PER_MEMBER, MIN_TEAM_SIZE
from binhdan.indicators.teamwork import MIN_GUIDANCE_PER_QUARTER, MentorRow, TeamRow

T = TypeVar("T")

HOUSEHOLD_BOARD_SIZE = 10  # the digital families shown on the board
MENTOR_BOARD_SIZE = 10  # the digital ambassadors shown on the board
ONE_DECIMAL = Decimal("0.1")


def _share(met: int, total: int) -> Decimal:
    return Decimal(met) / Decimal(total) if total else Decimal(0)


# (code of the team indicator, what it means on the page, the team's share of it from 0 to 1)
TEAM_SCORE_PARTS: tuple[tuple[str, str, Callable[[TeamRow], Decimal]], ...] = (
    ("TM_SIZE", f"tổ có {MIN_TEAM_SIZE}-{MAX_TEAM_SIZE} thành viên", lambda t: Decimal(t.right_size)),
    (
        "TM_50Q",
        f"tổ có ít nhất {MIN_GUIDANCE_PER_QUARTER} lượt hướng dẫn người dân trong quý",
        lambda t: Decimal(t.enough_guidance),
    ),
    (
        "MB_10HH",
        f"tỉ lệ thành viên phụ trách ít nhất {MIN_HOUSEHOLDS_PER_MEMBER} hộ",
        lambda t: _share(sum(m.enough_households for m in t.members), t.size),
    ),
    (
        "MB_HOURS",
        "tỉ lệ thành viên đủ giờ hoạt động mọi tuần",
        lambda t: _share(sum(m.enough_hours for m in t.members), t.size),
    ),
    (
        "MB_TRAINED",
        "tỉ lệ thành viên đã tập huấn",
        lambda t: _share(sum(m.trained for m in t.members), t.size),
    ),
)
TEAM_ORDER = ("điểm thi đua cao hơn", "nhiều lượt hướng dẫn người dân trong quý hơn")
MENTOR_ORDER = ("nhiều người đã tự sử dụng được hơn", "nhiều người đang được kèm cặp hơn")
HOUSEHOLD_ORDER = ("nhiều người trưởng thành có kỹ năng số cơ bản hơn",)


def team_score(team: TeamRow) -> Decimal:
    """The average of the team's five quota shares, in percent with one decimal."""
    total = sum((part(team) for _code, _label, part in TEAM_SCORE_PARTS), Decimal(0))
    return (total * 100 / len(TEAM_SCORE_PARTS)).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


def team_key(team: TeamRow) -> tuple[Decimal, int]:
    return (team_score(team), team.guided)


def mentor_key(mentor: MentorRow) -> tuple[int, int]:
    return (mentor.independent, mentor.mentees)


@dataclass
class FamilyRow:
    household_id: int
    head_name: str
    village_name: str
    sort_name: str
    adults_basic: int


def household_key(family: FamilyRow) -> tuple[int]:
    return (family.adults_basic,)


@dataclass
class Ranked(Generic[T]):
    rank: int
    item: T
    key: tuple[object, ...]


def ranked(
    items: Iterable[T], key: Callable[[T], Sequence[object]], name: Callable[[T], str]
) -> list[Ranked[T]]:
    """Items ordered by `key` (higher first) and then by Vietnamese name; equal keys share a rank."""
    keyed = [(tuple(key(item)), item) for item in items]
    keyed.sort(key=lambda pair: sort_key(name(pair[1])))
    keyed.sort(key=lambda pair: pair[0], reverse=True)  # stable: names stay in order within a key
    out: list[Ranked[T]] = []
    for position, (k, item) in enumerate(keyed, start=1):
        rank = out[-1].rank if out and out[-1].key == k else position
        out.append(Ranked(rank, item, k))
    return out


def rank_teams(teams: Iterable[TeamRow]) -> list[Ranked[TeamRow]]:
    return ranked(teams, team_key, lambda t: f"{t.village_name} {t.name}")


def rank_mentors(mentors: Iterable[MentorRow]) -> list[Ranked[MentorRow]]:
    return ranked(mentors, mentor_key, lambda m: m.name)


def rank_households(families: Iterable[FamilyRow]) -> list[Ranked[FamilyRow]]:
    return ranked(families, household_key, lambda f: f.sort_name)
