"""A synthetic province for load tests: `manage.py generate_synthetic` (issue 10, `make bench-dashboard`).

Builds, under its own province code (`SYNTHETIC_PROVINCE_CODE`, never an official one), communes with
villages, teams with members and roles, households and residents with a history from 2025-10-01 to
today: most registered at the start, some later, a few left or moved to another village; an import of
smartphone/VNeID facts at registration; visits whose first day rises through the period (so the
shares reached, guided and digital rise week by week and sit between about 20% and 90% today), each
with the people present and the skills and status facts learned; classes with attendance (some for
the elderly), trainings, digital ambassadors with mentees, and members' working hours.

Fast by design: ids are reserved up front, rows are plain tuples written per commune with
`common.db.insert_rows` (COPY on PostgreSQL), and the sequences are moved past them at the end.

Writing visits, the people present, status and skill observations this way BYPASSES the registry's
write path (`registry.recording`) and so its listener (`indicators.rollup.refresh_households`): the
rollups are stale until `rollup.rebuild()`, which the command runs at the end (timed separately;
`--skip-rebuild` leaves it to the caller, as the benchmark does to time it itself).

SQLite is refused unless the sizes are small. `--reset` deletes a previous synthetic province first
(everything under its places and its `syn.` users, children first); without it an existing synthetic
province is an error. Ids are reserved from the sequences when the run starts: run it on a database
nobody else writes to meanwhile (a bench or staging copy).
"""

from __future__ import annotations

import datetime as dt
import random
import time
from typing import Any, cast

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, models, transaction
from django.db.models import ManyToOneRel
from django.utils import timezone

from binhdan.accounts.models import Role, RoleKind, User
from binhdan.common.db import insert_rows
from binhdan.common.text import name_sort_key, nfc, search_text, sort_key
from binhdan.fieldwork.models import (
    Audience,
    Channel,
    ClassAttendance,
    ClassKind,
    CommunityClass,
    Mentor,
    Mentorship,
    Team,
    TeamMembership,
    TeamRole,
    Training,
    Visit,
    VisitPerson,
    WorkTime,
)
from binhdan.indicators.models import Delta, StateSpan, Total
from binhdan.places.models import Kind, Level, Place
from binhdan.registry.models import (
    Evidence,
    Gender,
    Household,
    HouseholdMove,
    LeftReason,
    Relation,
    Resident,
    ScopeExit,
    Skill,
    SkillLevel,
    SkillObservation,
    Source,
    StatusField,
    StatusObservation,
)

SYNTHETIC_PROVINCE_CODE = "SYN"  # official province codes are two digits: this one never collides
SYNTHETIC_USER_PREFIX = "syn."
HISTORY_START = dt.date(2025, 10, 1)
SEED = 20251001
# Above these sizes SQLite is refused (it has no COPY and one writer): use PostgreSQL.
SQLITE_MAX_HOUSEHOLDS = 5_000
SQLITE_MAX_RESIDENTS = 20_000
SQLITE_MAX_VISITS = 50_000

# The shapes (shares are of households or residents; days run from HISTORY_START to today).
LATE_REGISTRATION = 0.15  # households registered after the start, uniformly
HOUSEHOLD_LEFT = 0.015
RESIDENT_LATE = 0.04
RESIDENT_LEFT = 0.02
HOUSEHOLD_MOVED = 0.004  # moved to another village of the commune (HouseholdMove)
REACHED_BY_TODAY = 0.80  # households with at least one visit by today…
REACH_CURVE = 0.9  # …reached by day t: REACHED_BY_TODAY * (t / T) ** REACH_CURVE
DOOR_HOUSEHOLDS = 0.70  # households the team visits at home; the others only meet it elsewhere
DOOR_SHARE = 0.70  # of a door household's visits, those at home
PHONE_AT_IMPORT = (0.50, 0.25)  # under 60, 60 and over
PHONE_PER_VISIT = 0.15
VNEID2_PER_VISIT = 0.20
PAYMENT_PER_VISIT = 0.15
PCKS_PER_VISIT = 0.30
HEALTH_BOOK_PER_VISIT = 0.15
TEAM_SIZES = [5, 6, 7, 8, 9, 10, 11, 12, 13]
TEAM_SIZE_WEIGHTS = [2, 4, 12, 16, 18, 16, 12, 12, 8]
WORK_WEEKS = 12

FAMILY = [
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Hoàng",
    "Vũ",
    "Đặng",
    "Bùi",
    "Đỗ",
    "Hồ",
    "Ngô",
    "Dương",
    "Lý",
    "Đào",
]
FAMILY_WEIGHTS = [36, 10, 8, 6, 5, 4, 3, 4, 4, 1, 2, 2, 1, 3]
MIDDLE: dict[str, list[str]] = {
    Gender.MALE: ["Văn", "Đức", "Minh", "Quang", "Xuân", "Hữu"],
    Gender.FEMALE: ["Thị", "Ngọc", "Thu", "Thanh", "Hồng"],
}
GIVEN: dict[str, list[str]] = {
    Gender.MALE: ["Hùng", "Dũng", "Tuấn", "Cường", "Thắng", "Hải", "Long", "Nam", "Sơn", "Tùng", "Phong", "Quân", "Bình"],
    Gender.FEMALE: ["Hoa", "Lan", "Hương", "Mai", "Hằng", "Thuỷ", "Nga", "Hạnh", "Liên", "Dung", "Trang", "Linh", "Yến"],
}  # fmt: skip
OTHER_CHANNELS = [Channel.COMMUNITY_POINT, Channel.SERVICE_CENTRE, Channel.ONLINE, Channel.MARKET]


def _columns(model: type[models.Model], given: list[str]) -> tuple[list[str], tuple[Any, ...]]:
    """`given` plus any other concrete column (a field added since this was written) with its default."""
    extra_columns, extra_values = [], []
    for f in model._meta.concrete_fields:
        if f.column in given or f.primary_key:
            continue
        extra_columns.append(f.column)
        extra_values.append(f.get_default() if f.has_default() or not f.null else None)
    return [*given, *extra_columns], tuple(extra_values)


class _Writer:
    """Rows of one table, sent with insert_rows (COPY on PostgreSQL) when flushed."""

    def __init__(self, model: type[models.Model], columns: list[str]) -> None:
        self.model = model
        self.columns, self.extra = _columns(model, columns)
        self.rows: list[tuple[Any, ...]] = []
        self.count = 0

    def add(self, row: tuple[Any, ...]) -> None:
        self.rows.append(row + self.extra if self.extra else row)

    def flush(self) -> None:
        insert_rows(self.model, self.columns, self.rows)
        self.count += len(self.rows)
        self.rows = []


def _reserve(model: type[models.Model], count: int) -> int:
    """The first of `count` ids nobody else will be given (the sequence moves past them)."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")  # nosec B608  # a table name
        top = cursor.fetchone()[0]
        if connection.vendor != "postgresql":
            return top + 1
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
        sequence = cursor.fetchone()[0]
        cursor.execute("SELECT nextval(%s)", [sequence])
        first = max(cursor.fetchone()[0], top + 1)
        cursor.execute("SELECT setval(%s, %s)", [sequence, first + max(count, 1) - 1])
        return first


def _cascade(model: type[models.Model], where: str, path: frozenset[type[models.Model]], cursor: Any) -> None:
    """DELETE the rows of `model` matching `where` and, first, every row pointing at them."""
    table, pk = model._meta.db_table, model._meta.pk.column
    for relation in model._meta.get_fields(include_hidden=True):
        # Reverse foreign keys and one-to-ones (also those of many-to-many tables, which are hidden).
        if not isinstance(relation, ManyToOneRel):
            continue
        child = cast(type[models.Model], relation.related_model)
        if child in path or child._meta.proxy or not child._meta.managed:
            continue
        target = relation.field.target_field.column if relation.field.target_field else pk
        _cascade(
            child,
            f"{relation.field.column} IN (SELECT {target} FROM {table} WHERE {where})",  # nosec B608  # identifiers, integer ids
            path | {child},
            cursor,
        )
    cursor.execute(f"DELETE FROM {table} WHERE {where}")  # nosec B608  # identifiers, integer ids


def delete_synthetic() -> int:
    """Remove the synthetic province, everything under it and its users; returns the places removed."""
    ids = list(
        Place.objects.filter(code__startswith=SYNTHETIC_PROVINCE_CODE)
        .filter(
            models.Q(code=SYNTHETIC_PROVINCE_CODE) | models.Q(code__startswith=f"{SYNTHETIC_PROVINCE_CODE}-")
        )
        .values_list("pk", flat=True)
    )
    with transaction.atomic(), connection.cursor() as cursor:
        if ids:
            listed = ", ".join(str(int(pk)) for pk in ids)
            for model, column in (
                (StateSpan, "commune_id"),
                (StateSpan, "village_id"),
                (Delta, "place_id"),
                (Total, "place_id"),
            ):
                cursor.execute(f"DELETE FROM {model._meta.db_table} WHERE {column} IN ({listed})")  # nosec B608  # integer ids
            _cascade(Place, f"id IN ({listed})", frozenset({Place}), cursor)
            cursor.execute(f"DELETE FROM {ScopeExit._meta.db_table} WHERE village_id IN ({listed})")  # nosec B608  # integer ids
        _cascade(User, f"username LIKE '{SYNTHETIC_USER_PREFIX}%'", frozenset({User}), cursor)
    return len(ids)


ANALYZED = (Household, Resident, HouseholdMove, Visit, VisitPerson, StatusObservation, SkillObservation,
            ClassAttendance, CommunityClass, WorkTime, TeamMembership, Role, User, Place)  # fmt: skip


def _split(total: int, parts: int) -> list[int]:
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]


class Command(BaseCommand):
    help = (
        "Tạo một tỉnh giả lập (mã SYN) để đo hiệu năng bảng số liệu: xã, thôn, tổ, hộ, người dân, lượt hỗ trợ, "
        "ghi nhận, lớp học, thời gian hoạt động; ghi bằng COPY rồi tính lại chỉ tiêu. Chỉ dùng trên cơ sở "
        "dữ liệu thử. / Builds a synthetic province (code SYN) for load tests."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--communes", type=int, default=100)
        parser.add_argument("--villages-per-commune", type=int, default=10)
        parser.add_argument("--households", type=int, default=300_000)
        parser.add_argument("--residents", type=int, default=1_000_000)
        parser.add_argument("--visits", type=int, default=3_000_000)
        parser.add_argument("--classes-per-commune", type=int, default=10)
        parser.add_argument("--class-size", type=int, default=25)
        parser.add_argument("--seed", type=int, default=SEED)
        parser.add_argument(
            "--reset", action="store_true", help="xoá tỉnh giả lập cũ trước / delete the previous one first"
        )
        parser.add_argument("--skip-rebuild", action="store_true", help="không chạy rollup.rebuild() ở cuối")

    def handle(self, *args: Any, **o: Any) -> None:
        communes, per_commune = o["communes"], o["villages_per_commune"]
        households, residents, visits = o["households"], o["residents"], o["visits"]
        if min(communes, per_commune, households) < 1 or residents < households or visits < 0:
            raise CommandError(
                "Số xã, thôn, hộ phải ≥ 1 và số người dân ≥ số hộ. / Communes, villages and households must "
                "be ≥ 1 and residents ≥ households."
            )
        if households < communes * per_commune:
            raise CommandError("Mỗi thôn cần ít nhất một hộ. / Every village needs at least one household.")
        if connection.vendor != "postgresql" and (
            households > SQLITE_MAX_HOUSEHOLDS
            or residents > SQLITE_MAX_RESIDENTS
            or visits > SQLITE_MAX_VISITS
        ):
            raise CommandError(
                f"Trên {connection.vendor} chỉ tạo được tỉnh giả lập nhỏ (tối đa {SQLITE_MAX_HOUSEHOLDS:,} hộ, "
                f"{SQLITE_MAX_RESIDENTS:,} người dân, {SQLITE_MAX_VISITS:,} lượt hỗ trợ); hãy dùng PostgreSQL "
                "(DATABASE_URL=postgres://…). / On this database only small synthetic provinces are allowed; "
                "use PostgreSQL for the full sizes."
            )
        exists = Place.objects.filter(code=SYNTHETIC_PROVINCE_CODE).exists()
        started = time.perf_counter()
        if exists and not o["reset"]:
            raise CommandError(
                "Đã có tỉnh giả lập (mã SYN); thêm --reset để xoá và tạo lại. / A synthetic province exists: "
                "pass --reset to delete it first."
            )
        if exists or o["reset"]:
            removed = delete_synthetic()
            self.stdout.write(
                f"reset: removed {removed} synthetic places in {time.perf_counter() - started:.1f} s"
            )
        started = time.perf_counter()
        counts = _Generator(self, o).run()
        generated = time.perf_counter() - started
        self.stdout.write(
            f"generated in {generated:.1f} s: " + ", ".join(f"{k} {v:,}" for k, v in counts.items())
        )
        if connection.vendor == "postgresql":
            # Fresh statistics, or the planner still thinks the tables are empty and the rebuild's
            # `id IN (…)` reads become sequential scans.
            started = time.perf_counter()
            with connection.cursor() as cursor:
                for model in ANALYZED:
                    cursor.execute(f"ANALYZE {model._meta.db_table}")
            self.stdout.write(f"ANALYZE: {time.perf_counter() - started:.1f} s")
        if not o["skip_rebuild"]:
            from binhdan.indicators import rollup

            started = time.perf_counter()
            result = rollup.rebuild()
            self.stdout.write(
                f"rollup.rebuild(): {time.perf_counter() - started:.1f} s "
                f"({result['households']:,} households, {result['spans']:,} spans, {result['deltas']:,} deltas)"
            )


class _Generator:
    def __init__(self, command: Command, options: dict[str, Any]) -> None:
        import numpy as np

        self.out = command.stdout
        self.o = options
        self.rng = random.Random(options["seed"])  # nosec B311  # reproducible synthetic data
        self.np = np.random.default_rng(options["seed"])
        self.today = timezone.localdate()
        self.days = max(7, (self.today - HISTORY_START).days)  # T: day index of today
        self.dates = [(HISTORY_START + dt.timedelta(days=d)).isoformat() for d in range(self.days + 1)]
        self.now = timezone.now()
        self._names: dict[str, tuple[str, str]] = {}

    # --- helpers ---------------------------------------------------------------------------------------

    def name(self, gender: str, family: str | None = None) -> str:
        rng = self.rng
        family = family or rng.choices(FAMILY, FAMILY_WEIGHTS)[0]
        return f"{family} {rng.choice(MIDDLE[gender])} {rng.choice(GIVEN[gender])}"

    def derived(self, full_name: str) -> tuple[str, str]:
        """(search_name, sort_name) as Resident.refresh_derived stores them, cached by name."""
        found = self._names.get(full_name)
        if found is None:
            found = self._names[full_name] = (f" {search_text(full_name)} ", name_sort_key(full_name))
        return found

    def uuid(self) -> str:
        h = f"{self.rng.getrandbits(128) & ~(0xF << 76) | (4 << 76):032x}"
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    def at(self, day: int) -> str:
        rng = self.rng
        return f"{self.dates[day]} {rng.randint(7, 18):02d}:{rng.choice((0, 10, 15, 20, 30, 40, 45, 50)):02d}:00+07:00"

    # --- the run ---------------------------------------------------------------------------------------

    def run(self) -> dict[str, int]:
        o, T = self.o, self.days
        n_communes, per_commune = o["communes"], o["villages_per_commune"]
        H, R, V = o["households"], o["residents"], o["visits"]
        np = self.np
        import numpy

        # Per household, drawn at once: village, size, registration, leaving, first visit, visits.
        n_villages = n_communes * per_commune
        village_of = numpy.repeat(numpy.arange(n_villages), _split(H, n_villages))
        sizes = 1 + np.poisson(max(R / H - 1, 0), H)
        diff = R - int(sizes.sum())
        while diff:
            if diff > 0:
                numpy.add.at(sizes, np.integers(0, H, diff), 1)
            else:
                big = numpy.flatnonzero(sizes > 1)
                take = np.choice(big, min(-diff, len(big)), replace=False)
                sizes[take] -= 1
            diff = R - int(sizes.sum())
        reg = numpy.where(np.random(H) < LATE_REGISTRATION, np.integers(1, max(2, T - 6), H), 0)
        can_leave = reg + 30 < T
        leaves = (np.random(H) < HOUSEHOLD_LEFT) & can_leave
        left = numpy.where(leaves, reg + 30 + (np.random(H) * numpy.maximum(T - reg - 30, 1)).astype(int), -1)
        end = numpy.where(left >= 0, left - 1, T)
        u = np.random(H)
        reached = u < REACHED_BY_TODAY
        first = numpy.maximum((T * (u / REACHED_BY_TODAY) ** (1 / REACH_CURVE)).astype(int), reg)
        reached &= first <= end
        if int(reached.sum()) > V:
            keep = np.choice(numpy.flatnonzero(reached), V, replace=False)
            reached[:] = False
            reached[keep] = True
        n_visits = reached.astype(int)
        rest = V - int(n_visits.sum())
        if rest > 0:
            weights = ((end - first + 7) * reached).astype(float)
            n_visits += np.multinomial(rest, weights / weights.sum())
        door = np.random(H) < DOOR_HOUSEHOLDS
        moved = (np.random(H) < HOUSEHOLD_MOVED) & (reg + 7 < end) & (per_commune > 1)
        columns = [a.tolist() for a in (village_of, sizes, reg, left, first, n_visits, door, moved)]
        per_household = list(zip(*columns, strict=True))

        self.skills = list(
            Skill.objects.filter(active=True, commune__isnull=True).order_by("position", "code")
        )
        self.core = [s.pk for s in self.skills if s.is_core]
        self.other = [s.pk for s in self.skills if not s.is_core] or self.core
        if not self.core:
            raise CommandError(
                "Danh mục kỹ năng chưa có kỹ năng cơ bản (chạy migrate). / No core skills: run migrate."
            )

        places = self._places(n_communes, per_commune)
        self.out.write(f"places: 1 province, {n_communes} communes, {n_villages} villages")
        teams = self._teams(places)
        self.out.write(f"teams: {sum(len(m) for m in teams.values()):,} members in {len(teams):,} teams")

        self.next_household = _reserve(Household, H)
        self.next_resident = _reserve(Resident, R)
        self.next_visit = _reserve(Visit, V)
        self.w = {
            "households": _Writer(Household, [
                "id", "village_id", "number", "address", "head_name", "phone", "declared_size", "is_poor",
                "is_near_poor", "has_elderly", "has_disabled", "no_smart_device", "ethnic_minority",
                "assigned_member_id", "registered_on", "left_on", "left_reason", "search_text", "sort_name",
                "sync_version", "created_at", "updated_at"]),
            "residents": _Writer(Resident, [
                "id", "household_id", "full_name", "birth_date", "birth_year", "gender", "phone", "relation",
                "is_disabled", "is_trader", "is_worker", "is_pupil", "ethnic_minority", "citizen_id_hash",
                "citizen_id_masked", "learner_code", "registered_on", "left_on", "left_reason", "erased_key",
                "search_name", "sort_name", "sync_version", "created_at", "updated_at"]),
            "moves": _Writer(HouseholdMove, ["household_id", "from_village_id", "to_village_id", "moved_on", "recorded_at"]),
            "visits": _Writer(Visit, [
                "id", "uuid", "household_id", "recorded_by_id", "visited_at", "minutes", "channel",
                "follow_up_on", "notes", "created_at"]),
            "people": _Writer(VisitPerson, ["visit_id", "resident_id"]),
            "status": _Writer(StatusObservation, [
                "resident_id", "field", "value", "observed_on", "source", "evidence", "recorded_by_id",
                "recorded_at", "source_ref"]),
            "skills": _Writer(SkillObservation, [
                "resident_id", "skill_id", "level", "observed_on", "source", "recorded_by_id", "recorded_at",
                "source_ref"]),
            "attendance": _Writer(ClassAttendance, ["community_class_id", "resident_id", "recorded_by_id", "recorded_at"]),
            "trained": _Writer(Training.attendees.through, ["training_id", "user_id"]),
            "mentees": _Writer(Mentorship, ["mentor_id", "mentee_id", "started_on", "ended_on", "outcome", "note"]),
            "work": _Writer(WorkTime, ["uuid", "user_id", "day", "hours", "note", "created_at"]),
        }  # fmt: skip
        started = time.perf_counter()
        position = 0
        per_village = _split(H, n_villages)
        for c_index, (commune, villages) in enumerate(places):
            count = sum(per_village[c_index * per_commune : (c_index + 1) * per_commune])
            with transaction.atomic():
                self._commune(commune, villages, teams, per_household[position : position + count])
                for writer in self.w.values():
                    writer.flush()
            position += count
            if (c_index + 1) % 10 == 0 or c_index + 1 == n_communes:
                self.out.write(
                    f"  {c_index + 1}/{n_communes} communes, {time.perf_counter() - started:.0f} s"
                )
        return {name: writer.count for name, writer in self.w.items()}

    def _places(self, n_communes: int, per_commune: int) -> list[tuple[Place, list[Place]]]:
        province = Place.objects.create(
            code=SYNTHETIC_PROVINCE_CODE,
            name="Tỉnh Giả Lập (dữ liệu thử)",
            kind=Kind.TINH,
            level=Level.PROVINCE,
        )
        out = []
        for c in range(1, n_communes + 1):
            commune = Place.objects.create(
                code=f"{SYNTHETIC_PROVINCE_CODE}-{c:03d}", name=f"Xã Giả Lập {c:03d}", kind=Kind.XA,
                level=Level.COMMUNE, parent=province,
            )  # fmt: skip
            villages = [
                Place(
                    code=f"{commune.code}-{v:02d}",
                    name=f"Thôn {v:02d}",
                    kind=Kind.THON,
                    level=Level.VILLAGE,
                    parent=commune,
                )
                for v in range(1, per_commune + 1)
            ]
            for village in villages:  # what Place.save() sets; bulk_create skips it
                village.name = nfc(village.name)
                village.search_name = search_text(village.name)
                village.sort_name = sort_key(village.name)
            out.append((commune, Place.objects.bulk_create(villages)))
        return out

    def _teams(self, places: list[tuple[Place, list[Place]]]) -> dict[int, list[int]]:
        """{village id: member user ids}; also one admin (syn.quantri) for the benchmark's requests."""
        rng = self.rng
        formed = HISTORY_START - dt.timedelta(days=30)
        unusable = make_password(None)
        admin = User(username=f"{SYNTHETIC_USER_PREFIX}quantri", full_name="Quản trị tỉnh giả lập",
                     is_staff=True, is_superuser=True, password=unusable)  # fmt: skip
        users: list[User] = [admin]
        plan: list[tuple[Place, int]] = []
        for c, (_, villages) in enumerate(places, start=1):
            for v, village in enumerate(villages, start=1):
                size = rng.choices(TEAM_SIZES, TEAM_SIZE_WEIGHTS)[0]
                plan.append((village, size))
                for m in range(size):
                    gender = rng.choice([Gender.MALE, Gender.FEMALE])
                    users.append(User(username=f"{SYNTHETIC_USER_PREFIX}{c:03d}.{v:02d}.{m:02d}",
                                      full_name=self.name(gender), password=unusable))  # fmt: skip
        User.objects.bulk_create(users, batch_size=2000)
        users = list(User.objects.filter(username__startswith=SYNTHETIC_USER_PREFIX).order_by("username"))
        by_name = {u.username: u.pk for u in users}
        Role.objects.create(user_id=by_name[f"{SYNTHETIC_USER_PREFIX}quantri"], kind=RoleKind.ADMIN, place=None,
                            valid_from=formed)  # fmt: skip
        team_rows = Team.objects.bulk_create(
            [
                Team(
                    village=village,
                    name=f"Tổ công nghệ số cộng đồng {village.name} ({village.parent.name if village.parent else ''})",
                    formed_on=formed,
                )
                for village, _ in plan
            ]
        )
        memberships, roles, members = [], [], {}
        for team, (village, size) in zip(team_rows, plan, strict=True):
            commune_code, village_code = village.code.split("-")[1:]
            ids = [
                by_name[f"{SYNTHETIC_USER_PREFIX}{commune_code}.{village_code}.{m:02d}"] for m in range(size)
            ]
            members[village.pk] = ids
            for m, user_id in enumerate(ids):
                role = TeamRole.LEADER if m == 0 else TeamRole.DEPUTY if m == 1 else TeamRole.MEMBER
                memberships.append(TeamMembership(team=team, user_id=user_id, role=role, joined_on=formed))
                kind = RoleKind.TEAM_LEADER if m == 0 else RoleKind.MEMBER
                roles.append(Role(user_id=user_id, kind=kind, place=village, valid_from=formed))
        TeamMembership.objects.bulk_create(memberships, batch_size=2000)
        Role.objects.bulk_create(roles, batch_size=2000)
        return members

    def _commune(
        self, commune: Place, villages: list[Place], teams: dict[int, list[int]], rows: list[tuple[Any, ...]]
    ) -> None:
        rng, w, T, dates, now = self.rng, self.w, self.days, self.dates, self.now
        core, other = self.core, self.other
        n_core = len(core)
        names = {v.pk: v.name for v in villages}
        people: list[tuple[int, int, int, int, int]] = []  # (resident, village, age, start, end) for classes
        for number, (v_index, size, reg, left, first, n_visits, door, moved) in enumerate(rows, start=1):
            village_id = villages[v_index % len(villages)].pk
            hid = self.next_household
            self.next_household += 1
            history = [(0, village_id)]
            if moved:
                others = [v.pk for v in villages if v.pk != village_id]
                origin = rng.choice(others)
                moved_on = rng.randint(reg + 7, (left - 1) if left >= 0 else T)
                w["moves"].add((hid, origin, village_id, dates[moved_on], now))
                history = [(0, origin), (moved_on, village_id)]
            members = teams[village_id]
            end = left if left >= 0 else T + 1  # present on days reg <= d < end
            family = rng.choices(FAMILY, FAMILY_WEIGHTS)[0]
            head_gender = Gender.MALE if rng.random() < 0.78 else Gender.FEMALE
            head_age = int(rng.triangular(24, 90, 45))
            household_people = []  # (id, age, start, end, state)
            has_elderly = False
            for j in range(size):
                if j == 0:
                    gender, age, relation = head_gender, head_age, Relation.HEAD
                elif j == 1:
                    gender = Gender.FEMALE if head_gender == Gender.MALE else Gender.MALE
                    age, relation = max(18, min(95, head_age + rng.randint(-6, 4))), Relation.SPOUSE
                elif head_age < 60:
                    gender, age, relation = rng.choice((Gender.MALE, Gender.FEMALE)), rng.randint(0, max(0, min(35, head_age - 19))), Relation.CHILD  # fmt: skip
                elif rng.random() < 0.5:
                    gender, age, relation = rng.choice((Gender.MALE, Gender.FEMALE)), rng.randint(20, 45), Relation.CHILD  # fmt: skip
                else:
                    gender, age, relation = rng.choice((Gender.MALE, Gender.FEMALE)), rng.randint(0, 17), Relation.GRANDCHILD  # fmt: skip
                has_elderly |= age >= 60
                rid = self.next_resident
                self.next_resident += 1
                full_name = self.name(gender, family if relation != Relation.SPOUSE else None)
                if j == 0:
                    head_name = full_name
                search_name, sort_name = self.derived(full_name)
                born = self.today - dt.timedelta(days=int(age * 365.25) + rng.randint(0, 364))
                birth_date = born.isoformat() if rng.random() < 0.75 else None
                r_start = reg if rng.random() >= RESIDENT_LATE or reg + 2 >= end else rng.randint(reg + 1, min(end, T + 1) - 1)  # fmt: skip
                r_left = None
                r_end = end
                if rng.random() < RESIDENT_LEFT and r_start + 10 < min(end, T):
                    r_end = rng.randint(r_start + 10, min(end, T))
                    r_left = dates[r_end]
                reason = (LeftReason.DIED if age >= 60 else LeftReason.MOVED) if r_left else ""
                w["residents"].add((
                    rid, hid, full_name, birth_date, born.year, gender, "", relation, rng.random() < 0.03,
                    18 <= age <= 65 and rng.random() < 0.06, 18 <= age <= 45 and rng.random() < 0.15,
                    6 <= age <= 18, False, "", "", "", dates[r_start], r_left, reason, "", search_name,
                    sort_name, 0, now, now,
                ))  # fmt: skip
                # state: [phone, vneid, mastered, paid, cashless, pcks, health, aptitude]
                phone = rng.random() < PHONE_AT_IMPORT[age >= 60]
                vneid = (2 if rng.random() < 0.2 else 1 if rng.random() < 0.35 else 0) if phone else 0
                aptitude = rng.uniform(0.2, 0.5) if age < 40 else rng.uniform(0.1, 0.35) if age < 60 else rng.uniform(0.03, 0.15)  # fmt: skip
                state: list[Any] = [phone, vneid, 0, False, False, False, False, aptitude]
                if age >= 14:
                    day = dates[r_start]
                    at = f"{day} 08:00:00+07:00"
                    w["status"].add((rid, StatusField.SMARTPHONE, int(phone), day, Source.IMPORT, Evidence.TOLD, None, at, ""))  # fmt: skip
                    w["status"].add((rid, StatusField.VNEID_LEVEL, vneid, day, Source.IMPORT, Evidence.CONFIRMED, None, at, ""))  # fmt: skip
                household_people.append((rid, age, r_start, r_end, state))
                people.append((rid, village_id, age, r_start, r_end))
            address = f"Xóm {rng.randint(1, 8)}, {names[village_id]}"
            number_text = f"{number:05d}"
            poor = rng.random() < 0.05
            w["households"].add((
                hid, village_id, number_text, address, head_name, "", size, poor, not poor and rng.random() < 0.07,
                has_elderly, False, rng.random() < 0.1, False,
                members[number % len(members)] if rng.random() < 0.85 else None, dates[reg],
                dates[left] if left >= 0 else None, rng.choice((LeftReason.MOVED, LeftReason.SPLIT, LeftReason.MERGED)) if left >= 0 else "",
                f" {search_text(head_name, address, number_text)} ", name_sort_key(head_name), 0, now, now,
            ))  # fmt: skip
            if not n_visits:
                continue
            last = min(T, end - 1)
            days = sorted([first] + [rng.randint(first, last) for _ in range(n_visits - 1)])
            for k, day in enumerate(days):
                vid = self.next_visit
                self.next_visit += 1
                if door and (k == 0 or rng.random() < DOOR_SHARE):
                    channel = Channel.DOOR_TO_DOOR
                else:
                    channel = rng.choice(OTHER_CHANNELS)
                village_then = history[-1][1] if day >= history[-1][0] else history[0][1]
                who = rng.choice(teams[village_then])
                ref = self.uuid()
                at = self.at(day)
                date = dates[day]
                w["visits"].add(
                    (vid, ref, hid, who, at, rng.choice((10, 15, 20, 30, 45)), channel, None, "", now)
                )
                present = [p for p in household_people if p[2] <= day < p[3] and p[1] >= 14]
                if not present:
                    continue
                k_people = 1 if rng.random() < 0.5 else 2 if rng.random() < 0.8 else 3
                for rid, _age, _s, _e, st in rng.sample(present, min(k_people, len(present))):
                    w["people"].add((vid, rid))
                    learned = (rng.random() < st[7]) + (rng.random() < st[7])
                    if not learned:
                        skill = core[st[2]] if st[2] < n_core else rng.choice(other)
                        w["skills"].add((rid, skill, SkillLevel.GUIDED, date, Source.VISIT, who, at, ref))
                    for _ in range(learned):
                        if st[2] < n_core:
                            w["skills"].add(
                                (rid, core[st[2]], SkillLevel.MASTERED, date, Source.VISIT, who, at, ref)
                            )
                            st[2] += 1
                    status = w["status"]
                    if not st[0] and rng.random() < PHONE_PER_VISIT:
                        st[0] = True
                        status.add(
                            (rid, StatusField.SMARTPHONE, 1, date, Source.VISIT, Evidence.SEEN, who, at, ref)
                        )
                    elif st[0] and st[1] < 2 and rng.random() < VNEID2_PER_VISIT:
                        st[1] = 2
                        status.add(
                            (rid, StatusField.VNEID_LEVEL, 2, date, Source.VISIT, Evidence.SEEN, who, at, ref)
                        )
                    if st[0] and not st[3] and rng.random() < PAYMENT_PER_VISIT:
                        st[3] = True
                        status.add(
                            (
                                rid,
                                StatusField.PAYMENT_ACCOUNT,
                                1,
                                date,
                                Source.VISIT,
                                Evidence.SEEN,
                                who,
                                at,
                                ref,
                            )
                        )
                    elif st[3] and not st[4] and rng.random() < PAYMENT_PER_VISIT:
                        st[4] = True
                        status.add(
                            (
                                rid,
                                StatusField.CASHLESS_REGULAR,
                                1,
                                date,
                                Source.VISIT,
                                Evidence.TOLD,
                                who,
                                at,
                                ref,
                            )
                        )
                    if st[2] >= n_core and not st[5] and rng.random() < PCKS_PER_VISIT:
                        st[5] = True
                        status.add(
                            (
                                rid,
                                StatusField.PCKS_CONFIRMED,
                                1,
                                date,
                                Source.VISIT,
                                Evidence.CONFIRMED,
                                who,
                                at,
                                ref,
                            )
                        )
                    if st[1] >= 2 and not st[6] and rng.random() < HEALTH_BOOK_PER_VISIT:
                        st[6] = True
                        status.add(
                            (rid, StatusField.HEALTH_BOOK, 1, date, Source.VISIT, Evidence.SEEN, who, at, ref)
                        )
        self._community_life(commune, villages, teams, people)

    def _community_life(
        self,
        commune: Place,
        villages: list[Place],
        teams: dict[int, list[int]],
        people: list[tuple[int, int, int, int, int]],
    ) -> None:
        """Classes with attendance, two trainings, three ambassadors, members' working hours."""
        rng, w, T, dates, now = self.rng, self.w, self.days, self.dates, self.now
        members = [m for v in villages for m in teams[v.pk]]
        n_classes = self.o["classes_per_commune"]
        classes = []
        for k in range(n_classes):
            day = min(T, 14 + int((k + rng.random()) / max(n_classes, 1) * (T - 14)))
            elderly = k % 5 in (1, 3)
            place = commune if k % 5 == 4 else rng.choice(villages)
            classes.append(CommunityClass(
                kind=ClassKind.LEARNING_DAY if place == commune else ClassKind.CLASS,
                title="Lớp VNeID và sổ sức khỏe điện tử cho người cao tuổi" if elderly else "Lớp kỹ năng số cơ bản",
                place=place, held_on=HISTORY_START + dt.timedelta(days=day),
                audience=Audience.ELDERLY if elderly else Audience.GENERAL,
            ))  # fmt: skip
        CommunityClass.objects.bulk_create(classes)
        for community_class in classes:
            day = (community_class.held_on - HISTORY_START).days
            pool = [
                p[0] for p in people
                if p[3] <= day < p[4] and (community_class.place_id == commune.pk or p[1] == community_class.place_id)
                and (p[2] >= 60 if community_class.audience == Audience.ELDERLY else p[2] >= 10)
            ]  # fmt: skip
            recorder = rng.choice(members)
            for rid in rng.sample(pool, min(self.o["class_size"], len(pool))):
                w["attendance"].add((community_class.pk, rid, recorder, now))
        trainings = Training.objects.bulk_create(
            [
                Training(
                    title="Tập huấn hướng dẫn VNeID mức 2",
                    commune=commune,
                    held_on=HISTORY_START + dt.timedelta(days=20),
                ),
                Training(
                    title="Tập huấn phòng chống lừa đảo trực tuyến",
                    commune=commune,
                    held_on=HISTORY_START + dt.timedelta(days=min(T, 200)),
                ),
            ]
        )
        for training in trainings:
            for member in members:
                if rng.random() < 0.8:
                    w["trained"].add((training.pk, member))
        mentors = Mentor.objects.bulk_create(
            [Mentor(commune=commune, user_id=user_id, started_on=HISTORY_START) for user_id in rng.sample(members, min(3, len(members)))]
        )  # fmt: skip
        adults = [p[0] for p in people if p[2] >= 18]
        for mentor in mentors:
            for mentee in rng.sample(adults, min(len(adults), rng.randint(4, 7))):
                w["mentees"].add((mentor.pk, mentee, dates[min(T, 15)], None, Mentorship.Outcome.ONGOING, ""))
        for member in members:
            for week in range(WORK_WEEKS):
                days = rng.choices((0, 1, 2, 3), (10, 25, 40, 25))[0]
                for offset in rng.sample(range(7), days):
                    worked = self.today - dt.timedelta(days=week * 7 + offset)
                    w["work"].add(
                        (
                            self.uuid(),
                            member,
                            worked.isoformat(),
                            str(rng.choice((2, 3, 4, 4, 5, 6))),
                            "",
                            now,
                        )
                    )
