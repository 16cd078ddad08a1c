"""Check a whole list against the registry (dry run), then write it in one transaction.

`analyse` reads every data row, groups residents into households, finds duplicates inside the file and
matches households and residents already in the registry, with a fixed number of queries whatever the
file size. `commit` writes the result with bulk inserts and updates inside one transaction: either every
valid row is written, or nothing is.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from binhdan.accounts import audit
from binhdan.accounts.models import AuditEvent
from binhdan.common.text import fold
from binhdan.places.models import Place
from binhdan.places.services import add_village, find_village, village_kind_from_name
from binhdan.registry.importing import normalise as norm
from binhdan.registry.importing.columns import FIELD_LABELS
from binhdan.registry.importing.reading import is_id_token
from binhdan.registry.models import CommuneSettings, Gender, Household, Relation, Resident
from binhdan.registry.rights import erasure_key

Progress = Callable[[int, int, str], None]
BATCH = 1000
HOUSEHOLD_KIND, RESIDENT_KIND = "household", "resident"
_FOOTER_WORDS = (
    "nguoi lap bieu", "nguoi lap danh sach", "nguoi lap", "ky ghi ro ho ten", "ky va ghi ro ho ten",
    "tm uy ban nhan dan", "tm ubnd", "chu tich", "xac nhan cua", "truong thon", "can bo van hoa",
    "ky ten dong dau", "noi nhan",
)  # fmt: skip
_DATE_LINE = re.compile(r"\bngay\b.*\bthang\b.*\bnam\b")
_SECTION_PREFIX = re.compile(r"^\s*(?:[IVXLC]+|\d+|[a-zA-Z])\s*[.\-/)]\s*")
ERASED_NOTICE = "{n} người đã được xoá theo yêu cầu trước đây nên không được nhập lại."


@dataclass
class RowError:
    row: int
    column: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "message": self.message}


@dataclass
class ResidentRow:
    row: int
    fields: dict[str, Any]
    provided: set[str]
    id_hash: str = ""
    id_mask: str = ""
    existing: Resident | None = None
    changes: dict[str, Any] = field(default_factory=dict)
    erased: bool = False


@dataclass
class HouseholdRow:
    row: int
    village: Place | None
    new_village: str
    fields: dict[str, Any]
    provided: set[str]
    residents: list[ResidentRow] = field(default_factory=list)
    existing: Household | None = None
    changes: dict[str, Any] = field(default_factory=dict)
    invalid: bool = False

    def key(self) -> tuple[Any, ...]:
        village = self.village.pk if self.village else f"new:{fold(self.new_village)}"
        if self.fields.get("number"):
            return ("number", village, fold(self.fields["number"]))
        return ("head", village, fold(self.fields["head_name"]), fold(self.fields.get("address", "")))


@dataclass
class Analysis:
    kind: str
    households: list[HouseholdRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    data_rows: int = 0
    skipped: dict[str, int] = field(
        default_factory=lambda: {"blank": 0, "total": 0, "footer": 0, "section": 0}
    )
    notices: list[str] = field(default_factory=list)
    new_villages: dict[str, str] = field(default_factory=dict)  # folded name -> name as written
    ids_ignored: bool = False

    @property
    def error_rows(self) -> set[int]:
        return {e.row for e in self.errors}

    def valid_households(self) -> list[HouseholdRow]:
        return [h for h in self.households if not h.invalid]

    def valid_residents(self) -> list[ResidentRow]:
        bad = self.error_rows
        return [r for h in self.valid_households() for r in h.residents if r.row not in bad and not r.erased]

    def counts(self) -> dict[str, int]:
        households = self.valid_households()
        residents = self.valid_residents()
        return {
            "valid_rows": self.data_rows - len(self.error_rows),
            "error_rows": len(self.error_rows),
            "households": len(households),
            "households_created": sum(1 for h in households if h.existing is None),
            "households_updated": sum(1 for h in households if h.existing is not None and h.changes),
            "households_unchanged": sum(1 for h in households if h.existing is not None and not h.changes),
            "residents": len(residents),
            "residents_created": sum(1 for r in residents if r.existing is None),
            "residents_updated": sum(1 for r in residents if r.existing is not None and r.changes),
            "residents_unchanged": sum(1 for r in residents if r.existing is not None and not r.changes),
            "residents_erased_skipped": sum(1 for h in households for r in h.residents if r.erased),
            "villages_created": len(self.new_villages),
            **{f"skipped_{k}": v for k, v in self.skipped.items()},
        }

    def summary(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            **self.counts(),
            "errors": [e.as_dict() for e in sorted(self.errors, key=lambda e: e.row)],
            "notices": self.notices,
            "new_villages": sorted(self.new_villages.values()),
        }


class _Villages:
    """Village names resolved once per distinct spelling (accent-insensitive, kind word optional)."""

    def __init__(self, commune: Place) -> None:
        self.commune = commune
        self.cache: dict[str, Place | None] = {}

    def find(self, name: str) -> Place | None:
        key = fold(name)
        if key not in self.cache:
            self.cache[key] = find_village(commune=self.commune, name=name) if key else None
        return self.cache[key]

    def from_address(self, address: str) -> Place | None:
        for part in re.split(r"[,;\-–]", address):
            if part.strip() and (village := self.find(part.strip())):
                return village
        return None


def _cells(row: list[Any]) -> list[str]:
    return [fold(c) for c in row if isinstance(c, str) and c.strip()]


def _is_blank(row: list[Any]) -> bool:
    return all(c in ("", None) or (isinstance(c, str) and not c.strip()) for c in row)


def _is_total(cells: list[str]) -> bool:
    return any(
        c.startswith(("tong cong", "tong so", "tong:"))
        or c in ("tong", "cong")
        or c.startswith(("cong:", "cong "))
        for c in cells[:3]
    )


def _is_footer(cells: list[str]) -> bool:
    return any(word in c for c in cells for word in _FOOTER_WORDS) or any(_DATE_LINE.search(c) for c in cells)


def analyse(
    *,
    rows: list[list[Any]],
    data_start: int,
    columns: dict[int, str],
    mapping: dict[str, str],
    commune: Place,
    create_villages: bool = False,
    progress: Progress | None = None,
) -> Analysis:
    """Dry run: every row checked and matched; nothing written. `mapping` is {column index: field}."""
    by_field: dict[str, int] = {}
    for index, code in mapping.items():
        if code and code != "ignore" and code in FIELD_LABELS:
            by_field.setdefault(code, int(index))
    kind = RESIDENT_KIND if "relation" in by_field else HOUSEHOLD_KIND
    result = Analysis(kind=kind)
    header = {code: columns.get(index, FIELD_LABELS[code]) for code, index in by_field.items()}
    store_ids = CommuneSettings.for_commune(commune).store_citizen_ids
    if "citizen_id" in by_field and not store_ids:
        result.ids_ignored = True
        result.notices.append(
            f"Xã chưa chọn lưu số định danh cá nhân nên cột “{header['citizen_id']}” được bỏ qua: "
            "không số nào được lưu."
        )
    villages = _Villages(commune)
    section_village: Place | None = None
    section_title = ""
    footer = False
    current: HouseholdRow | None = None
    by_number: dict[str, HouseholdRow] = {}
    name_col = by_field.get("name")
    total = len(rows) - data_start

    def error(row: int, code: str, message: str) -> None:
        result.errors.append(
            RowError(row=row, column=header.get(code, FIELD_LABELS.get(code, code)), message=message)
        )

    for offset, row in enumerate(rows[data_start:]):
        excel_row = data_start + offset + 1
        if progress and offset % 2000 == 0:
            progress(offset, total, f"Đã kiểm tra {offset}/{total} dòng")
        if footer:
            result.skipped["footer"] += 1
            continue
        if _is_blank(row):
            result.skipped["blank"] += 1
            continue
        cells = _cells(row)
        name_cell = row[name_col] if name_col is not None and name_col < len(row) else ""
        name_is_text = isinstance(name_cell, str) and name_cell.strip()
        if (not name_is_text or _is_footer([fold(name_cell)])) and _is_footer(cells):
            footer = True
            result.skipped["footer"] += 1
            continue
        has_birth = any(
            row[by_field[c]] not in ("", None)
            for c in ("birth", "birth_male", "birth_female")
            if c in by_field
        )
        if _is_total(cells) and not has_birth:
            result.skipped["total"] += 1
            continue
        filled = [c for c in row if c not in ("", None) and not is_id_token(c)]
        if len(filled) <= 2 and not has_birth:
            texts = [c for c in filled if isinstance(c, str)]
            title = _SECTION_PREFIX.sub("", texts[-1]) if texts else ""
            if title and (village_kind_from_name(title) or villages.find(title)):
                section_village, section_title = villages.find(title), norm.text(title)
                result.skipped["section"] += 1
                continue
        result.data_rows += 1
        values = _read_row(row, by_field, excel_row, error, store_ids, kind)
        relation = values.get("relation", Relation.HEAD if kind == HOUSEHOLD_KIND else Relation.OTHER)

        if kind == HOUSEHOLD_KIND or relation == Relation.HEAD:
            household = _household_from(
                values,
                excel_row,
                by_field,
                villages,
                (section_village, section_title),
                create_villages,
                result,
                error,
            )
            result.households.append(household)
            if household.fields.get("number"):
                by_number.setdefault(fold(household.fields["number"]), household)
            current = household
            if kind == RESIDENT_KIND or values.get("birth_year"):
                household.residents.append(_resident_from(values, excel_row, Relation.HEAD))
            if kind == RESIDENT_KIND and not values.get("birth_year") and "birth_error" not in values:
                error(excel_row, _birth_code(by_field), "Thiếu ngày sinh hoặc năm sinh.")
            continue
        target = by_number.get(fold(values.get("number", ""))) if values.get("number") else current
        if target is None:
            error(excel_row, "relation", "Chưa có dòng “Chủ hộ” của hộ này ở phía trên.")
            continue
        if not values.get("birth_year") and "birth_error" not in values:
            error(excel_row, _birth_code(by_field), "Thiếu ngày sinh hoặc năm sinh.")
        target.residents.append(_resident_from(values, excel_row, relation))

    if progress:
        progress(total, total, "Đang đối chiếu với sổ hộ")
    _mark_invalid(result, error)
    _find_duplicates(result, error)
    _match_existing(result, commune, error)
    _mark_invalid(result, error)
    return result


def _mark_invalid(result: Analysis, error: Callable[[int, str, str], None]) -> None:
    """A household whose own row has an error is not written, and neither are the people listed under it."""
    bad = result.error_rows
    for household in result.households:
        if household.row in bad:
            household.invalid = True
        if household.invalid:
            for resident in household.residents:
                if resident.row not in bad:
                    error(
                        resident.row,
                        "relation",
                        f"Dòng chủ hộ (dòng {household.row}) có lỗi nên chưa nhập được người này.",
                    )


def _birth_code(by_field: dict[str, int]) -> str:
    return next((c for c in ("birth", "birth_male", "birth_female") if c in by_field), "birth")


def _read_row(
    row: list[Any], by_field: dict[str, int], excel_row: int, error: Callable[[int, str, str], None],
    store_ids: bool, kind: str,
) -> dict[str, Any]:  # fmt: skip
    values: dict[str, Any] = {}

    def cell(code: str) -> Any:
        index = by_field.get(code)
        return row[index] if index is not None and index < len(row) else ""

    def read(code: str, parse: Callable[[Any], Any]) -> Any:
        try:
            return parse(cell(code))
        except norm.CellError as exc:
            error(excel_row, code, str(exc))
            return None

    name = read("name", norm.person_name)
    values["name"] = name or ""
    for code in ("birth", "birth_male", "birth_female"):
        if code in by_field and cell(code) not in ("", None):
            parsed = read(code, norm.birth)
            if parsed is None:
                values["birth_error"] = True
                continue
            values["birth_date"], values["birth_year"] = parsed
            if code == "birth_male":
                values["gender"] = Gender.MALE
            elif code == "birth_female":
                values["gender"] = Gender.FEMALE
    if "gender" in by_field and cell("gender") not in ("", None):
        gender = read("gender", norm.gender)
        if gender:
            values["gender"] = gender
    if "relation" in by_field:
        values["relation"] = norm.relation(cell("relation"))
    if "phone" in by_field:
        phone = read("phone", norm.phone)
        if phone:
            values["phone"] = phone
    if "citizen_id" in by_field and store_ids:
        token = cell("citizen_id")
        if is_id_token(token):
            if token[3]:
                error(excel_row, "citizen_id", token[3])
            else:
                values["id_mask"], values["id_hash"] = token[1], token[2]
    for code, limit, label in (
        ("address", 200, "Địa chỉ"),
        ("number", 30, "Số hộ"),
        ("village", 120, "Tên thôn"),
    ):
        if code in by_field:
            text = read(code, functools.partial(norm.short_text, max_length=limit, label=label))
            if text:
                values[code] = text
    if "declared_size" in by_field and cell("declared_size") not in ("", None):
        size = read("declared_size", norm.small_number)
        if size is not None:
            values["declared_size"] = size
    if "poverty" in by_field:
        pair = read("poverty", norm.poverty)
        if pair is not None:
            values["is_poor"], values["is_near_poor"] = pair
    for code in ("is_poor", "is_near_poor", "has_elderly", "no_smart_device", "ethnic_minority"):
        if code in by_field:
            values[code] = norm.flag(cell(code))
    if values.get("is_poor") and values.get("is_near_poor"):
        error(excel_row, "is_near_poor", "Một hộ không thể vừa là hộ nghèo vừa là hộ cận nghèo.")
    if "disabled" in by_field:
        values["has_disabled" if kind == HOUSEHOLD_KIND else "is_disabled"] = norm.flag(cell("disabled"))
    if "ethnicity" in by_field:
        minority = norm.ethnic_minority(cell("ethnicity"))
        if minority is not None:
            values["ethnic_minority"] = minority
    return values


_HOUSEHOLD_FLAGS = (
    "is_poor",
    "is_near_poor",
    "has_elderly",
    "has_disabled",
    "no_smart_device",
    "ethnic_minority",
)


def _household_from(
    values: dict[str, Any], excel_row: int, by_field: dict[str, int], villages: _Villages,
    section: tuple[Place | None, str], create_villages: bool, result: Analysis,
    error: Callable[[int, str, str], None],
) -> HouseholdRow:  # fmt: skip
    village: Place | None = None
    new_village = ""
    if values.get("village"):
        village = villages.find(values["village"])
        if village is None:
            if create_villages:
                new_village = values["village"]
                result.new_villages.setdefault(fold(new_village), new_village)
            else:
                error(
                    excel_row, "village",
                    f"Thôn “{values['village']}” không có trong {villages.commune.name}. Hãy sửa tên thôn, "
                    "thêm thôn trước, hoặc chọn “Tạo thôn mới khi chưa có”.",
                )  # fmt: skip
    elif values.get("address") and (village := villages.from_address(values["address"])):
        pass
    elif section[0] is not None:
        village = section[0]
    elif section[1] and create_villages:
        new_village = section[1]
        result.new_villages.setdefault(fold(new_village), new_village)
    elif section[1]:
        code = "village" if "village" in by_field else "address" if "address" in by_field else "village"
        error(
            excel_row,
            code,
            f"Thôn “{section[1]}” (dòng tiêu đề nhóm phía trên) không có trong {villages.commune.name}.",
        )
    else:
        code = "village" if "village" in by_field else "address" if "address" in by_field else "village"
        error(
            excel_row,
            code,
            "Không xác định được thôn của hộ này: hãy ghi tên thôn (cột Thôn/Xóm hoặc trong địa chỉ).",
        )
    fields: dict[str, Any] = {"head_name": values["name"]}
    provided = set()
    for code in ("address", "number", "phone", "declared_size", *_HOUSEHOLD_FLAGS):
        if code in values:
            fields[code] = values[code]
            provided.add(code)
    return HouseholdRow(
        row=excel_row, village=village, new_village=new_village, fields=fields, provided=provided
    )


_RESIDENT_OPTIONAL = ("birth_date", "birth_year", "gender", "phone", "is_disabled", "ethnic_minority")


def _resident_from(values: dict[str, Any], excel_row: int, relation: str) -> ResidentRow:
    fields: dict[str, Any] = {"full_name": values["name"], "relation": relation}
    provided = {"relation"} if "relation" in values else set()
    for code in _RESIDENT_OPTIONAL:
        if values.get(code) not in (None, ""):
            fields[code] = values[code]
            provided.add(code)
    return ResidentRow(
        row=excel_row, fields=fields, provided=provided,
        id_hash=values.get("id_hash", ""), id_mask=values.get("id_mask", ""),
    )  # fmt: skip


def _find_duplicates(result: Analysis, error: Callable[[int, str, str], None]) -> None:
    seen_households: dict[tuple[Any, ...], int] = {}
    seen_ids: dict[str, int] = {}
    for household in result.households:
        if household.invalid:
            continue
        key = household.key()
        if key in seen_households:
            first = seen_households[key]
            code = "number" if key[0] == "number" else "name"
            error(household.row, code, f"Trùng với hộ ở dòng {first}.")
            household.invalid = True
            for resident in household.residents:
                if resident.row != household.row:
                    error(resident.row, "relation", f"Hộ của người này trùng với hộ ở dòng {first}.")
            continue
        seen_households[key] = household.row
        seen_people: dict[tuple[str, Any], int] = {}
        for resident in household.residents:
            person = (fold(resident.fields["full_name"]), resident.fields.get("birth_year"))
            if resident.id_hash and resident.id_hash in seen_ids:
                error(
                    resident.row, "citizen_id", f"Số định danh trùng với dòng {seen_ids[resident.id_hash]}."
                )
            elif person in seen_people:
                error(
                    resident.row,
                    "name",
                    f"Trùng với người ở dòng {seen_people[person]} (cùng họ tên, năm sinh, cùng hộ).",
                )
            else:
                seen_people[person] = resident.row
                if resident.id_hash:
                    seen_ids[resident.id_hash] = resident.row


def _match_existing(result: Analysis, commune: Place, error: Callable[[int, str, str], None]) -> None:
    households = [h for h in result.households if not h.invalid and h.village is not None]
    if not households:
        return
    by_number: dict[tuple[int, str], Household] = {}
    by_head: dict[tuple[int, str, str], Household] = {}
    for existing in Household.objects.filter(village__parent=commune):
        if existing.number:
            by_number.setdefault((existing.village_id, fold(existing.number)), existing)
        by_head.setdefault((existing.village_id, fold(existing.head_name), fold(existing.address)), existing)
    for household in households:
        assert household.village is not None
        found = None
        if household.fields.get("number"):
            found = by_number.get((household.village.pk, fold(household.fields["number"])))
        if found is None:
            found = by_head.get(
                (
                    household.village.pk,
                    fold(household.fields["head_name"]),
                    fold(household.fields.get("address", "")),
                )
            )
        household.existing = found
        if found is not None:
            household.changes = {
                code: household.fields[code]
                for code in household.provided
                if getattr(found, code) != household.fields[code]
            }
    matched_ids = {h.existing.pk for h in households if h.existing is not None}
    people: dict[int, list[Resident]] = {}
    if matched_ids:
        for resident in Resident.objects.filter(household__village__parent=commune):
            if resident.household_id in matched_ids:
                people.setdefault(resident.household_id, []).append(resident)
    hashes = [r.id_hash for h in households for r in h.residents if r.id_hash]
    hash_owner: dict[str, tuple[int, int]] = {}
    for start in range(0, len(hashes), BATCH):
        chunk = hashes[start : start + BATCH]
        for digest, pk, household_id in Resident.objects.filter(citizen_id_hash__in=chunk).values_list(
            "citizen_id_hash", "pk", "household_id"
        ):
            hash_owner[digest] = (pk, household_id)
    for planned in households:
        existing_people = people.get(planned.existing.pk, []) if planned.existing else []
        by_pk = {p.pk: p for p in existing_people}
        erased_keys = {p.erased_key for p in existing_people if p.erased_key}
        by_person = {(fold(p.full_name), p.birth_year): p for p in existing_people if p.erased_at is None}
        for person in planned.residents:
            year = person.fields.get("birth_year")
            match: Resident | None = None
            if person.id_hash and person.id_hash in hash_owner:
                pk, owner_household = hash_owner[person.id_hash]
                if planned.existing is None or owner_household != planned.existing.pk:
                    error(person.row, "citizen_id", "Số định danh này đã có trong sổ, ở một hộ khác.")
                    continue
                match = by_pk.get(pk)
            if match is None and planned.existing is not None:
                if erasure_key(planned.existing.pk, person.fields["full_name"], year) in erased_keys:
                    person.erased = True
                    continue
                match = by_person.get((fold(person.fields["full_name"]), year))
            person.existing = match
            if match is None:
                continue
            if person.id_hash and match.citizen_id_hash and match.citizen_id_hash != person.id_hash:
                error(person.row, "citizen_id", "Số định danh khác với số đã lưu cho người này.")
                continue
            person.changes = {
                code: person.fields[code]
                for code in person.provided
                if getattr(match, code) != person.fields[code]
            }
            if person.id_hash and not match.citizen_id_hash:
                person.changes.update(citizen_id_hash=person.id_hash, citizen_id_masked=person.id_mask)
    erased = sum(1 for h in households for r in h.residents if r.erased)
    if erased:
        result.notices.append(ERASED_NOTICE.format(n=erased))


def commit(
    analysis: Analysis, *, by: Any, commune: Place, filename: str, progress: Progress | None = None
) -> dict[str, Any]:
    """Write every valid row in one transaction; raises on any database error so nothing is half-written."""
    now = timezone.now()
    counts = analysis.counts()  # before writing: afterwards every household has a row in the database
    households = analysis.valid_households()
    residents_total = len(analysis.valid_residents())
    done = 0
    with transaction.atomic():
        created_villages = {
            key: add_village(commune=commune, name=name) for key, name in analysis.new_villages.items()
        }
        new_households: list[Household] = []
        changed_households: list[Household] = []
        changed_fields: set[str] = set()
        for row in households:
            if row.existing is None:
                village = row.village or created_villages[fold(row.new_village)]
                obj = Household(village=village, **row.fields)
                obj.refresh_derived()
                new_households.append(obj)
                row.existing = obj
            elif row.changes:
                for code, value in row.changes.items():
                    setattr(row.existing, code, value)
                row.existing.refresh_derived()
                row.existing.updated_at = now
                changed_households.append(row.existing)
                changed_fields.update(row.changes)
        Household.objects.bulk_create(new_households, batch_size=BATCH)
        if changed_households:
            Household.objects.bulk_update(
                changed_households,
                [*changed_fields, "search_text", "sort_name", "updated_at"],
                batch_size=BATCH,
            )
        if progress:
            progress(0, residents_total, f"Đã ghi {len(households)} hộ; đang ghi người dân")
        bad = analysis.error_rows
        new_residents: list[Resident] = []
        changed_residents: list[Resident] = []
        resident_fields: set[str] = set()
        for row in households:
            assert row.existing is not None
            for person in row.residents:
                if person.row in bad or person.erased:
                    continue
                if person.existing is None:
                    new_person = Resident(
                        household=row.existing,
                        citizen_id_hash=person.id_hash,
                        citizen_id_masked=person.id_mask,
                        **person.fields,
                    )
                    new_person.refresh_derived()
                    new_residents.append(new_person)
                elif person.changes:
                    for code, value in person.changes.items():
                        setattr(person.existing, code, value)
                    person.existing.refresh_derived()
                    person.existing.updated_at = now
                    changed_residents.append(person.existing)
                    resident_fields.update(person.changes)
                done += 1
                if len(new_residents) >= BATCH:
                    Resident.objects.bulk_create(new_residents)
                    new_residents = []
                    if progress:
                        progress(done, residents_total, f"Đã ghi {done}/{residents_total} người")
        Resident.objects.bulk_create(new_residents, batch_size=BATCH)
        if changed_residents:
            Resident.objects.bulk_update(
                changed_residents,
                [*resident_fields, "search_name", "sort_name", "updated_at"],
                batch_size=BATCH,
            )
        audit.record_event(
            user=by,
            action=AuditEvent.Action.CHANGE,
            place=commune,
            object_type="ImportBatch",
            detail=(
                f"Nhập danh sách “{filename}”: {counts['households_created']} hộ mới, "
                f"{counts['households_updated']} hộ cập nhật, {counts['residents_created']} người mới, "
                f"{counts['residents_updated']} người cập nhật"
            )[:300],
        )
    if progress:
        progress(residents_total, residents_total, "Đã nhập xong")
    return counts
