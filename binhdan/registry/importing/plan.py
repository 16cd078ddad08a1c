"""Check a whole list against the registry (dry run), then write it in one transaction.

`analyse` reads every data row, groups residents into households, finds duplicates inside the file and
matches households and residents already in the registry, with a fixed number of queries whatever the
file size. `commit` writes the result with bulk inserts and updates inside one transaction: either every
valid row is written, or nothing is.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from django.db import connections, router, transaction
from django.db.models import Field, Model
from django.utils import timezone

from binhdan.accounts import audit
from binhdan.accounts.models import AuditEvent
from binhdan.common.db import insert_rows
from binhdan.common.text import fold
from binhdan.places.models import Place
from binhdan.places.services import add_village, find_village, village_kind_from_name
from binhdan.registry.importing import normalise as norm
from binhdan.registry.importing.columns import FIELD_LABELS
from binhdan.registry.importing.reading import is_id_token
from binhdan.registry.models import (
    HOUSEHOLD_FLAGS,
    CommuneSettings,
    Gender,
    Household,
    Relation,
    Resident,
    household_derived,
    resident_derived,
)
from binhdan.registry.rights import erasure_key

Progress = Callable[[int, int, str], None]
BATCH = 1000
RESIDENT_BATCH = 5000  # new residents per insert (one COPY on PostgreSQL), with progress after each
HOUSEHOLD_KIND, RESIDENT_KIND = "household", "resident"
_FOOTER_WORDS = (
    "nguoi lap bieu", "nguoi lap danh sach", "nguoi lap", "ky ghi ro ho ten", "ky va ghi ro ho ten",
    "tm uy ban nhan dan", "tm ubnd", "chu tich", "xac nhan cua", "truong thon", "can bo van hoa",
    "ky ten dong dau", "noi nhan",
)  # fmt: skip
_FOOTER = re.compile("|".join(re.escape(word) for word in _FOOTER_WORDS))
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


@dataclass(slots=True)
class ResidentRow:
    row: int
    fields: dict[str, Any]
    provided: tuple[str, ...]  # the fields the list gives (only those are compared and updated)
    id_hash: str = ""
    id_mask: str = ""
    existing: Resident | None = None
    changes: dict[str, Any] = field(default_factory=dict)
    erased: bool = False


@dataclass(slots=True)
class HouseholdRow:
    row: int
    village: Place | None
    new_village: str
    fields: dict[str, Any]
    provided: tuple[str, ...]
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
    return any(_FOOTER.search(c) for c in cells) or any(_DATE_LINE.search(c) for c in cells)


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
    birth_cols = [by_field[c] for c in ("birth", "birth_male", "birth_female") if c in by_field]
    total = len(rows) - data_start

    def error(row: int, code: str, message: str) -> None:
        result.errors.append(
            RowError(row=row, column=header.get(code, FIELD_LABELS.get(code, code)), message=message)
        )

    reader = _RowReader(by_field, error, store_ids, kind)

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
        # Folding every cell of every row only to spot footers and totals was most of the check:
        # the folded cells are computed when a row can still be one of those.
        cells: list[str] | None = None
        name_cell = row[name_col] if name_col is not None and name_col < len(row) else ""
        name_is_text = isinstance(name_cell, str) and name_cell.strip()
        if not name_is_text or _is_footer([fold(name_cell)]):
            cells = _cells(row)
            if _is_footer(cells):
                footer = True
                result.skipped["footer"] += 1
                continue
        has_birth = any(row[index] not in ("", None) for index in birth_cols)
        if not has_birth:  # a totals or section row has no birth date
            if _is_total(_cells(row) if cells is None else cells):
                result.skipped["total"] += 1
                continue
            filled = [c for c in row if c not in ("", None) and not is_id_token(c)]
            if len(filled) <= 2:
                texts = [c for c in filled if isinstance(c, str)]
                title = _SECTION_PREFIX.sub("", texts[-1]) if texts else ""
                if title and (village_kind_from_name(title) or villages.find(title)):
                    section_village, section_title = villages.find(title), norm.text(title)
                    result.skipped["section"] += 1
                    continue
        result.data_rows += 1
        values = reader.read(row, excel_row)
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


_SCALARS = frozenset({str, int, float, bool})


class _Memo:
    """One column's parser that remembers its outcome (value or Vietnamese error) per distinct cell:
    lists repeat the same villages, relations, genders, years … The parsers are pure functions of the
    cell, so a remembered outcome is exactly what parsing again would give."""

    LIMIT = 4096  # distinct cells remembered per column; a column of names or phones stops filling it

    def __init__(self, parse: Callable[[Any], Any]) -> None:
        self.parse = parse
        self.seen: dict[tuple[type, Any], tuple[bool, Any]] = {}

    def __call__(self, value: Any) -> Any:
        kind = type(value)
        if kind not in _SCALARS:  # dates, ID tokens: parsed each time
            return self.parse(value)
        key = (kind, value)  # 1, 1.0 and True are different cells
        outcome = self.seen.get(key)
        if outcome is None:
            try:
                outcome = (True, self.parse(value))
            except norm.CellError as exc:
                outcome = (False, str(exc))
            if len(self.seen) < self.LIMIT:
                self.seen[key] = outcome
        if outcome[0]:
            return outcome[1]
        raise norm.CellError(outcome[1])


class _RowReader:
    """Reads the mapped cells of one data row into clean values; built once per list."""

    _TEXTS = (("address", 200, "Địa chỉ"), ("number", 30, "Số hộ"), ("village", 120, "Tên thôn"))
    _FLAGS = ("is_poor", "is_near_poor", "has_elderly", "no_smart_device", "ethnic_minority")

    def __init__(
        self, by_field: dict[str, int], error: Callable[[int, str, str], None], store_ids: bool, kind: str
    ) -> None:
        self.error = error
        self.name = by_field.get("name")
        self.person_name = _Memo(norm.person_name)
        birth = functools.partial(norm.birth, today=timezone.localdate())
        self.births = [
            (code, by_field[code], _Memo(birth))
            for code in ("birth", "birth_male", "birth_female")
            if code in by_field
        ]
        self.gender = by_field.get("gender")
        self.gender_of = _Memo(norm.gender)
        self.relation = by_field.get("relation")
        self.relation_of = _Memo(norm.relation)
        self.phone = by_field.get("phone")
        self.phone_of = _Memo(norm.phone)
        self.citizen_id = by_field.get("citizen_id") if store_ids else None
        self.texts = [
            (code, by_field[code], _Memo(functools.partial(norm.short_text, max_length=limit, label=label)))
            for code, limit, label in self._TEXTS
            if code in by_field
        ]
        self.declared_size = by_field.get("declared_size")
        self.size_of = _Memo(norm.small_number)
        self.poverty = by_field.get("poverty")
        self.poverty_of = _Memo(norm.poverty)
        self.flags = [(code, by_field[code], _Memo(norm.flag)) for code in self._FLAGS if code in by_field]
        self.disabled = by_field.get("disabled")
        self.disabled_of = _Memo(norm.flag)
        self.disabled_code = "has_disabled" if kind == HOUSEHOLD_KIND else "is_disabled"
        self.ethnicity = by_field.get("ethnicity")
        self.minority_of = _Memo(norm.ethnic_minority)

    def read(self, row: list[Any], excel_row: int) -> dict[str, Any]:
        values: dict[str, Any] = {}
        width = len(row)
        error = self.error

        def cell(index: int | None) -> Any:
            return row[index] if index is not None and index < width else ""

        def read(code: str, index: int | None, parse: Callable[[Any], Any]) -> Any:
            try:
                return parse(cell(index))
            except norm.CellError as exc:
                error(excel_row, code, str(exc))
                return None

        name = read("name", self.name, self.person_name)
        values["name"] = name or ""
        for code, index, birth in self.births:
            value = cell(index)
            if value not in ("", None):
                try:
                    parsed = birth(value)
                except norm.CellError as exc:
                    error(excel_row, code, str(exc))
                    values["birth_error"] = True
                    continue
                values["birth_date"], values["birth_year"] = parsed
                if code == "birth_male":
                    values["gender"] = Gender.MALE
                elif code == "birth_female":
                    values["gender"] = Gender.FEMALE
        if self.gender is not None and cell(self.gender) not in ("", None):
            gender = read("gender", self.gender, self.gender_of)
            if gender:
                values["gender"] = gender
        if self.relation is not None:
            values["relation"] = self.relation_of(cell(self.relation))
        if self.phone is not None:
            phone = read("phone", self.phone, self.phone_of)
            if phone:
                values["phone"] = phone
        if self.citizen_id is not None:
            token = cell(self.citizen_id)
            if is_id_token(token):
                if token[3]:
                    error(excel_row, "citizen_id", token[3])
                else:
                    values["id_mask"], values["id_hash"] = token[1], token[2]
        for code, index, parse in self.texts:
            text = read(code, index, parse)
            if text:
                values[code] = text
        if self.declared_size is not None and cell(self.declared_size) not in ("", None):
            size = read("declared_size", self.declared_size, self.size_of)
            if size is not None:
                values["declared_size"] = size
        if self.poverty is not None:
            pair = read("poverty", self.poverty, self.poverty_of)
            if pair is not None:
                values["is_poor"], values["is_near_poor"] = pair
        for code, index, flag in self.flags:
            values[code] = flag(cell(index))
        if values.get("is_poor") and values.get("is_near_poor"):
            error(excel_row, "is_near_poor", "Một hộ không thể vừa là hộ nghèo vừa là hộ cận nghèo.")
        if self.disabled is not None:
            values[self.disabled_code] = self.disabled_of(cell(self.disabled))
        if self.ethnicity is not None:
            minority = self.minority_of(cell(self.ethnicity))
            if minority is not None:
                values["ethnic_minority"] = minority
        return values


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
    provided = tuple(
        code for code in ("address", "number", "phone", "declared_size", *HOUSEHOLD_FLAGS) if code in values
    )
    for code in provided:
        fields[code] = values[code]
    return HouseholdRow(
        row=excel_row, village=village, new_village=new_village, fields=fields, provided=provided
    )


_RESIDENT_OPTIONAL = ("birth_date", "birth_year", "gender", "phone", "is_disabled", "ethnic_minority")


def _resident_from(values: dict[str, Any], excel_row: int, relation: str) -> ResidentRow:
    fields: dict[str, Any] = {"full_name": values["name"], "relation": relation}
    optional = tuple(code for code in _RESIDENT_OPTIONAL if values.get(code) not in (None, ""))
    for code in optional:
        fields[code] = values[code]
    provided = ("relation", *optional) if "relation" in values else optional
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


def _hash_owners(hashes: list[str]) -> dict[str, tuple[int, int]]:
    """{citizen ID hash: (resident pk, household pk)} for the hashes already in the registry."""
    if not hashes:
        return {}
    connection = connections[router.db_for_read(Resident)]
    if connection.vendor == "postgresql":
        # One query with the hashes as one text parameter: binding thousands of IN parameters (or a
        # text[] array) costs far more in Python than the index look-ups. Hashes are hex: no commas.
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT citizen_id_hash, id, household_id FROM {Resident._meta.db_table} "
                "WHERE citizen_id_hash = ANY(string_to_array(%s, ','))",
                [",".join(hashes)],
            )
            return {digest: (pk, household_id) for digest, pk, household_id in cursor.fetchall()}
    owners: dict[str, tuple[int, int]] = {}
    for start in range(0, len(hashes), BATCH):
        chunk = hashes[start : start + BATCH]
        for digest, pk, household_id in Resident.objects.filter(citizen_id_hash__in=chunk).values_list(
            "citizen_id_hash", "pk", "household_id"
        ):
            owners[digest] = (pk, household_id)
    return owners


_HOUSEHOLD_UNREAD = ("search_text", "sort_name", "created_at", "updated_at")
_RESIDENT_UNREAD = (
    "search_name", "sort_name", "created_at", "updated_at", "learner_code", "is_trader", "is_worker",
    "is_pupil", "moved_out_on", "citizen_id_masked",
)  # fmt: skip


def _match_existing(result: Analysis, commune: Place, error: Callable[[int, str, str], None]) -> None:
    households = [h for h in result.households if not h.invalid and h.village is not None]
    if not households:
        return
    by_number: dict[tuple[int, str], Household] = {}
    by_head: dict[tuple[int, str, str], Household] = {}
    # Columns never compared here are not loaded (commit sets the derived ones and updated_at itself).
    for existing in Household.objects.filter(village__parent=commune).defer(*_HOUSEHOLD_UNREAD):
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
        for resident in Resident.objects.filter(household__village__parent=commune).defer(*_RESIDENT_UNREAD):
            if resident.household_id in matched_ids:
                people.setdefault(resident.household_id, []).append(resident)
    # An ID number is stored once (unique), so the owners of those already loaded are known; only the
    # others are looked up, in the whole registry.
    hash_owner: dict[str, tuple[int, int]] = {
        p.citizen_id_hash: (p.pk, p.household_id)
        for group in people.values()
        for p in group
        if p.citizen_id_hash
    }
    hashes = [r.id_hash for h in households for r in h.residents if r.id_hash and r.id_hash not in hash_owner]
    hash_owner.update(_hash_owners(hashes))
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


class _Rows:
    """Plain tuples of every concrete column of a model for `insert_rows`: the values given, the
    model's own defaults for the rest, `now` for auto_now/auto_now_add columns."""

    def __init__(self, model: type[Model], now: dt.datetime, *, with_pk: bool) -> None:
        fields = [f for f in model._meta.concrete_fields if with_pk or not f.primary_key]
        self.columns = [f.column for f in fields]
        self.position = {f.attname: i for i, f in enumerate(fields)}
        self.base: list[Any] = []
        self.per_row: list[tuple[int, Field[Any, Any]]] = []  # callable defaults, evaluated per row
        for i, f in enumerate(fields):
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                self.base.append(now)
            elif f.primary_key or not f.has_default():
                self.base.append(None if f.primary_key else f.get_default())
            elif callable(f.default):
                self.base.append(None)
                self.per_row.append((i, f))
            else:
                self.base.append(f.get_default())

    def row(self, values: dict[str, Any]) -> tuple[Any, ...]:
        row = self.base.copy()
        for i, f in self.per_row:
            row[i] = f.get_default()
        position = self.position
        for name, value in values.items():
            row[position[name]] = value.value if isinstance(value, Enum) else value
        return tuple(row)


def _new_ids(model: type[Model], count: int) -> list[int]:
    """`count` primary keys from the table's own sequence (PostgreSQL), in ascending order."""
    table = model._meta.db_table
    connection = connections[router.db_for_write(model)]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [table, model._meta.pk.column, count],
        )
        return sorted(pk for (pk,) in cursor.fetchall())


def _write_new_households(
    rows: list[HouseholdRow], villages: dict[str, Place], now: dt.datetime
) -> list[int]:
    """Insert the new households; returns their primary keys in the order of `rows`.

    PostgreSQL: keys taken from the sequence first, then one COPY of plain tuples. Elsewhere
    bulk_create, which reads the new keys back."""
    if not rows:
        return []
    if connections[router.db_for_write(Household)].vendor != "postgresql":
        objects = []
        for row in rows:
            obj = Household(village=row.village or villages[fold(row.new_village)], **row.fields)
            obj.refresh_derived()
            objects.append(obj)
        Household.objects.bulk_create(objects, batch_size=BATCH)
        return [obj.pk for obj in objects]
    ids = _new_ids(Household, len(rows))
    maker = _Rows(Household, now, with_pk=True)
    tuples = []
    for pk, row in zip(ids, rows, strict=True):
        village = row.village or villages[fold(row.new_village)]
        head_name, address, number, search, sort = household_derived(
            row.fields["head_name"], row.fields.get("address", ""), row.fields.get("number", "")
        )
        derived = {"head_name": head_name, "address": address, "number": number, "search_text": search,
                   "sort_name": sort}  # fmt: skip
        tuples.append(maker.row({**row.fields, **derived, "id": pk, "village_id": village.pk}))
    insert_rows(Household, maker.columns, tuples)
    return ids


def commit(
    analysis: Analysis, *, by: Any, commune: Place, filename: str, progress: Progress | None = None
) -> dict[str, Any]:
    """Write every valid row in one transaction; raises on any database error so nothing is half-written.

    New rows go in as plain tuples (`common.db.insert_rows`: COPY on PostgreSQL) with their search and
    sort columns from the same functions `refresh_derived` uses; changed rows through bulk_update.
    """
    now = timezone.now()
    counts = analysis.counts()  # before writing
    households = analysis.valid_households()
    residents_total = len(analysis.valid_residents())
    done = 0
    with transaction.atomic():
        created_villages = {
            key: add_village(commune=commune, name=name) for key, name in analysis.new_villages.items()
        }
        new_households = [row for row in households if row.existing is None]
        new_ids = dict(
            zip(
                (id(row) for row in new_households),
                _write_new_households(new_households, created_villages, now),
                strict=True,
            )
        )
        changed_households: list[Household] = []
        changed_fields: set[str] = set()
        for row in households:
            if row.existing is not None and row.changes:
                for code, value in row.changes.items():
                    setattr(row.existing, code, value)
                row.existing.refresh_derived()
                row.existing.updated_at = now
                changed_households.append(row.existing)
                changed_fields.update(row.changes)
        if changed_households:
            Household.objects.bulk_update(
                changed_households,
                [*changed_fields, "search_text", "sort_name", "updated_at"],
                batch_size=BATCH,
            )
        if progress:
            progress(0, residents_total, f"Đã ghi {len(households)} hộ; đang ghi người dân")
        bad = analysis.error_rows
        maker = _Rows(Resident, now, with_pk=False)
        new_residents: list[tuple[Any, ...]] = []
        changed_residents: list[Resident] = []
        resident_fields: set[str] = set()
        for row in households:
            household_id = row.existing.pk if row.existing is not None else new_ids[id(row)]
            for person in row.residents:
                if person.row in bad or person.erased:
                    continue
                if person.existing is None:
                    fields = person.fields
                    full_name, birth_year, search, sort = resident_derived(
                        fields["full_name"], fields.get("birth_date"), fields.get("birth_year")
                    )
                    derived = {"full_name": full_name, "birth_year": birth_year, "search_name": search,
                               "sort_name": sort}  # fmt: skip
                    new_residents.append(
                        maker.row({**fields, **derived, "household_id": household_id,
                                   "citizen_id_hash": person.id_hash, "citizen_id_masked": person.id_mask})
                    )  # fmt: skip
                elif person.changes:
                    for code, value in person.changes.items():
                        setattr(person.existing, code, value)
                    person.existing.refresh_derived()
                    person.existing.updated_at = now
                    changed_residents.append(person.existing)
                    resident_fields.update(person.changes)
                done += 1
                if len(new_residents) >= RESIDENT_BATCH:
                    insert_rows(Resident, maker.columns, new_residents)
                    new_residents = []
                    if progress:
                        progress(done, residents_total, f"Đã ghi {done}/{residents_total} người")
        insert_rows(Resident, maker.columns, new_residents)
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
