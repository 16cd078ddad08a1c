"""The people every test talks about, with Vietnamese names, and the places they belong to.

A member of village A (Thôn Đông), the team leader of A, an outsider member of village B (Thôn Tây),
a commune officer and a commune leader of Xã Sơn Đông, a province officer of Phú Thọ, and an
officer of another commune for cross-commune checks.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from binhdan.accounts.models import Role, RoleKind, User
from binhdan.fieldwork.models import Team, TeamRole
from binhdan.fieldwork.services import add_team_member, create_team
from binhdan.indicators.models import Indicator, RollupClock
from binhdan.indicators.seed import seed_indicators
from binhdan.places.models import Kind, Level, Place
from binhdan.places.services import add_village
from binhdan.registry import services as registry
from binhdan.registry.models import Gender, Household, Relation, Resident, Skill
from binhdan.registry.skills_seed import seed_skills

PASSWORD = "Mật-khẩu-thử-2025"


@dataclass
class World:
    province: Place
    commune: Place
    village_a: Place
    village_b: Place
    other_commune: Place
    village_c: Place
    team_a: Team
    team_b: Team
    member_a: User
    leader_a: User
    member_b: User
    officer: User
    leader: User
    province_officer: User
    other_officer: User
    admin: User
    household_a: Household
    household_b: Household
    household_c: Household
    resident_a: Resident
    resident_b: Resident

    def personas(self) -> dict[str, User]:
        return {
            "member_a": self.member_a,
            "leader_a": self.leader_a,
            "member_b": self.member_b,
            "officer": self.officer,
            "leader": self.leader,
            "province_officer": self.province_officer,
            "other_officer": self.other_officer,
            "admin": self.admin,
        }


def make_user(username: str, full_name: str, **extra: Any) -> User:
    user = User.objects.create_user(username=username, password=PASSWORD, full_name=full_name, **extra)
    return user


def grant(user: User, kind: str, place: Place | None) -> Role:
    return Role.objects.create(user=user, kind=kind, place=place, valid_from=dt.date(2025, 1, 1))


def make_household(village: Place, head: str, *, by: User | None = None, **fields: Any) -> Household:
    household = registry.create_household(by=by, village=village, head_name=head, **fields)
    registry.add_resident(
        by=by, household=household, full_name=head, birth_year=fields.pop("head_birth_year", 1960),
        gender=Gender.FEMALE if " Thị " in head else Gender.MALE, relation=Relation.HEAD,
    )  # fmt: skip
    return household


def build_world() -> World:
    # Transactional tests flush every table, including the catalogue seeded by a data migration.
    seed_skills(Skill)
    seed_indicators(Indicator, RollupClock)
    province = Place.objects.create(code="25", name="Phú Thọ", kind=Kind.TINH, level=Level.PROVINCE)
    commune = Place.objects.create(
        code="08866", name="Xã Sơn Đông", kind=Kind.XA, level=Level.COMMUNE, parent=province
    )
    other_commune = Place.objects.create(
        code="08869", name="Xã Tam Sơn", kind=Kind.XA, level=Level.COMMUNE, parent=province
    )
    village_a = add_village(commune=commune, name="Thôn Đông")
    village_b = add_village(commune=commune, name="Thôn Tây")
    village_c = add_village(commune=other_commune, name="Thôn Thượng")
    team_a, team_b = create_team(village=village_a), create_team(village=village_b)

    member_a = make_user("tovien.a", "Nguyễn Văn An")
    leader_a = make_user("totruong.a", "Trần Thị Bình")
    member_b = make_user("tovien.b", "Lê Văn Cường")
    joined = dt.date(2025, 1, 1)
    add_team_member(team=team_a, user=member_a, joined_on=joined)
    add_team_member(team=team_a, user=leader_a, role=TeamRole.LEADER, joined_on=joined)
    add_team_member(team=team_b, user=member_b, joined_on=joined)

    officer = make_user("canbo.xa", "Phạm Thị Dung", is_staff=True)
    grant(officer, RoleKind.COMMUNE_OFFICER, commune)
    leader = make_user("lanhdao.xa", "Hoàng Văn Em", is_staff=True)
    grant(leader, RoleKind.COMMUNE_LEADER, commune)
    province_officer = make_user("so.khcn", "Vũ Thị Giang")
    grant(province_officer, RoleKind.PROVINCE_OFFICER, province)
    other_officer = make_user("canbo.tamson", "Đỗ Văn Hải", is_staff=True)
    grant(other_officer, RoleKind.COMMUNE_OFFICER, other_commune)
    admin = make_user("quantri", "Quản Trị Viên", is_staff=True, is_superuser=True)
    grant(admin, RoleKind.ADMIN, None)

    household_a = make_household(village_a, "Nguyễn Thị Hoà", address="Xóm 1, Thôn Đông", is_poor=True)
    household_b = make_household(village_b, "Đặng Văn Đức", address="Xóm 3, Thôn Tây")
    household_c = make_household(village_c, "Bùi Thị Lan", address="Thôn Thượng")
    return World(
        province=province, commune=commune, village_a=village_a, village_b=village_b,
        other_commune=other_commune, village_c=village_c, team_a=team_a, team_b=team_b,
        member_a=member_a, leader_a=leader_a, member_b=member_b, officer=officer, leader=leader,
        province_officer=province_officer, other_officer=other_officer, admin=admin,
        household_a=household_a, household_b=household_b, household_c=household_c,
        resident_a=household_a.residents.get(), resident_b=household_b.residents.get(),
    )  # fmt: skip


def signed_in_client(user: User, client: Client | None = None) -> Client:
    """A test client signed in as `user`, with two-factor done for users who need it."""
    client = client or Client()
    client.force_login(user)
    if user.requires_two_factor:
        device, _ = TOTPDevice.objects.get_or_create(user=user, name="thử", defaults={"confirmed": True})
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client
