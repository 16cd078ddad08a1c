"""Worlds for scripts that run outside pytest (the fault test's server, benchmarks)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from binhdan.accounts.models import User
from binhdan.accounts.tokens import create_api_token
from binhdan.fieldwork.services import add_team_member, create_team
from binhdan.places.models import Kind, Level, Place
from binhdan.places.services import add_village
from binhdan.registry.models import Household, Relation, Resident


def bulk_households(
    village: Place,
    *,
    count: int,
    people: int,
    tag: str = "",
    number: Callable[[int], str] = str,
    birth_year: Callable[[int, int], int] = lambda number, j: 1970 + j,
) -> dict[int, list[int]]:
    """`count` households of `people` residents each in the village, written in two bulk inserts.

    Heads are "Nguyễn Văn Hộ {tag}{i}", residents "Người {tag}{number}-{j}" born `birth_year(number, j)`.
    Returns {household id: [resident ids]}.
    """
    homes = [
        Household(village=village, head_name=f"Nguyễn Văn Hộ {tag}{i}", number=number(i))
        for i in range(count)
    ]
    for home in homes:
        home.refresh_derived()
    Household.objects.bulk_create(homes)
    residents = [
        Resident(
            household=home,
            full_name=f"Người {tag}{home.number}-{j}",
            birth_year=birth_year(int(home.number), j),
            relation=Relation.HEAD if j == 0 else Relation.SPOUSE,
        )
        for home in homes
        for j in range(people)
    ]
    for person in residents:
        person.refresh_derived()
    Resident.objects.bulk_create(residents)
    by_home: dict[int, list[int]] = {home.pk: [] for home in homes}
    for person in residents:
        by_home[person.household_id].append(person.pk)
    return by_home


def _son_dong() -> Place:
    """Xã Sơn Đông of Phú Thọ, the commune the field scenarios work in."""
    province = Place.objects.create(code="25", name="Phú Thọ", kind=Kind.TINH, level=Level.PROVINCE)
    return Place.objects.create(
        code="08866", name="Xã Sơn Đông", kind=Kind.XA, level=Level.COMMUNE, parent=province
    )


def field_village(*, households: int, people_per_household: int) -> dict[str, Any]:
    """One village of Xã Sơn Đông with a member holding an API token, and its households and residents.

    Returns {"token", "member", "households": [[household id, [resident ids]], …]}.
    """
    commune = _son_dong()
    village = add_village(commune=commune, name="Thôn Đông")
    member = User.objects.create_user("tovien", password="Mat-khau-thu-2025")
    add_team_member(team=create_team(village=village), user=member)
    by_home = bulk_households(village, count=households, people=people_per_household)
    return {
        "token": create_api_token(user=member),
        "member": member.pk,
        "households": [[pk, ids] for pk, ids in by_home.items()],
    }


def field_commune(
    *, villages: int, members_per_village: int, households: int, people_per_household: int
) -> dict[str, Any]:
    """Villages of Xã Sơn Đông, each with a team of members holding API tokens, and households split
    between the villages: many phones pushing at once, each to its own village (benchmarks).

    Returns {"members": [{"token", "member", "village", "households": [[household id, [resident ids]], …]}]}.
    """
    commune = _son_dong()
    members = []
    for v in range(villages):
        village = add_village(commune=commune, name=f"Thôn {v + 1}")
        team = create_team(village=village)
        by_home = bulk_households(
            village, count=households // villages, people=people_per_household, tag=f"{v + 1}-"
        )
        homes = [[pk, ids] for pk, ids in by_home.items()]
        for m in range(members_per_village):
            user = User.objects.create_user(f"tovien-{v + 1}-{m + 1}", password="Mat-khau-thu-2025")
            add_team_member(team=team, user=user)
            members.append(
                {
                    "token": create_api_token(user=user),
                    "member": user.pk,
                    "village": village.pk,
                    "households": homes,
                }
            )
    return {"members": members}
