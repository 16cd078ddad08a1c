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
from typing import Any, NamedTuple

from django.db import connections, router, transaction
from django.db.models import Field, Model
from django.utils import timezone

from binhdan.accounts import audit
from binhdan.accounts.models import AuditEvent
from binhdan.common.db import insert_rows
from binhdan.common.text import fold
from binhdan.places.models import Place
from binhdan.places.services import add_village, find_village, village_kind_from_name
from binhdan.registry import recording
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
# Words may be separated by dots and commas too ("TM. UBND", "Ký, ghi rõ họ tên").
_FOOTER = re.compile(
    "|".join(r"[\s.,:;]+".join(re.escape(part) for part in word.split()) for word in _FOOTER_WORDS)
)
# "…, ngày 30 tháng 11 năm 2026", "Ngày 30/11/2026"
_DATE_LINE = re.compile(r"\bngay\b.*\bthang\b.*\bnam\b|\bngay\s+\d{1,2}\s*[/.\-]\s*\d{1,2}\s*[/.\-]\s*\d{4}")
SPARSE_ROW_CELLS = 3  # a row with this few filled cells may be a footer line split over cells
_SECTION_PREFIX = re.compile(r"^\s*(?:[IVXLC]+|\d+|[a-zA-Z])\s*[.\-/)]\s*")
ERASED_NOTICE = "{n} người đã được xoá theo yêu cầu trước đây nên không được nhập lại."
# Words that start the village part of an address ("Xóm 3", "Tổ dân phố 5", "khối Bắc"), folded,
# longest first so that "to dan pho" wins over "to".
VILLAGE_WORDS = (
    "to dan pho", "khu dan cu", "khu pho", "thon", "xom", "ban", "ap", "lang", "buon", "play", "soc", "khoi",
    "khu", "tdp", "to", "doi",
)  # fmt: skip
_VILLAGE_PART = re.compile(r"^(?:" + "|".join(re.escape(w) for w in VILLAGE_WORDS) + r")\s+\S")
COMMUNE_WORDS = ("xa", "phuong", "dac khu", "thi tran")
_COMMUNE_ANYWHERE = re.compile(r"\b(?:" + "|".join(re.escape(w) for w in COMMUNE_WORDS) + r")\s")
_COMMUNE_PART = re.compile(r"^(?:" + "|".join(re.escape(w) for w in COMMUNE_WORDS) + r")\s+(.+)$")
# Meanings an officer can give to the marks of a column whose header names two categories
# ("Hộ nghèo/cận nghèo" holding "x"): {field: {meaning: (label, values set on the row)}}.
VALUE_MEANINGS: dict[str, dict[str, tuple[str, tuple[bool, bool]]]] = {
    "poverty": {
        "poor": ("Hộ nghèo", (True, False)),
        "near_poor": ("Hộ cận nghèo", (False, True)),
        "none": ("Không thuộc diện nào", (False, False)),
    },
}
MAX_QUESTION_VALUES = 20  # distinct unclear values asked about per column; beyond that, row errors only


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
    system_id: int | None = None  # "Mã hộ (hệ thống)" of a re-imported export
    head_birth: tuple[dt.date | None, int | None] = (None, None)
    head_id_hash: str = ""

    def village_key(self) -> Any:
        return self.village.pk if self.village else f"new:{fold(self.new_village)}"

    def name_key(self) -> tuple[Any, str]:
        return (self.village_key(), fold(self.fields["head_name"]))


class Facts(NamedTuple):
    """What tells two households whose heads have the same name (in the same village) apart."""

    number: str
    birth: tuple[dt.date | None, int | None]
    phone: str
    address: str
    id_hash: str


def same_household(a: Facts, b: Facts) -> bool | None:
    """Whether two households of the same village whose heads have the same name are one household:
    True when the evidence says so (the same household number, the same citizen ID of the head, or the
    same birth date/year of the head), False when something contradicts it (another number, ID, birth,
    phone or address), None when nothing tells (a likely duplicate, shown to the officer, both kept)."""
    if a.number and b.number:
        return fold(a.number) == fold(b.number)
    if a.id_hash and b.id_hash:
        return a.id_hash == b.id_hash
    (a_day, a_year), (b_day, b_year) = a.birth, b.birth
    if a_year and b_year:
        if a_day and b_day:
            return a_day == b_day
        return a_year == b_year
    if a.phone and b.phone and a.phone != b.phone:
        return False
    if a.address and b.address and fold(a.address) != fold(b.address):
        return False
    return None


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
    warnings: list[RowError] = field(default_factory=list)  # shown to the officer; the rows are kept
    # Columns whose values need the officer's answer: {column index: {folded value: value as written}}.
    unclear: dict[int, dict[str, str]] = field(default_factory=dict)
    unclear_rows: dict[int, dict[str, int]] = field(default_factory=dict)
    headers: dict[int, str] = field(default_factory=dict)
    value_fields: dict[int, str] = field(default_factory=dict)
    # [sheet name, first row, header row, first data row, end] (0-based row indexes, end exclusive)
    segments: list[list[Any]] = field(default_factory=list)

    column_names: dict[str, str] = field(default_factory=dict)

    def warn(self, row: int, code: str, message: str) -> None:
        column = self.column_names.get(code, FIELD_LABELS.get(code, code))
        self.warnings.append(RowError(row=row, column=column, message=message))

    def place_of(self, row: int) -> tuple[str, int]:
        for name, start, _header, _data, end in self.segments:
            if start < row <= end:
                return name, row - start
        return "", row

    def where(self, row: int) -> str:
        """ "dòng 8", or "dòng 8 (trang “Thôn Tây”)" when the rows come from several sheets."""
        if len(self.segments) <= 1:
            return f"dòng {row}"
        sheet, local = self.place_of(row)
        return f"dòng {local} (trang “{sheet}”)"

    def _row_dict(self, error: RowError) -> dict[str, Any]:
        item = error.as_dict()
        if len(self.segments) > 1:
            item["sheet"], item["sheet_row"] = self.place_of(error.row)
        return item

    def questions(self) -> list[dict[str, Any]]:
        return [
            {
                "index": index, "header": self.headers.get(index, ""), "field": self.value_fields[index],
                "values": [
                    {"key": key, "shown": shown, "rows": self.unclear_rows[index][key]}
                    for key, shown in values.items()
                ],
                "choices": [(code, label) for code, (label, _) in VALUE_MEANINGS[self.value_fields[index]].items()],
            }
            for index, values in sorted(self.unclear.items())
        ]  # fmt: skip

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
            "warning_rows": len({w.row for w in self.warnings}),
            **{f"skipped_{k}": v for k, v in self.skipped.items()},
        }

    def summary(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            **self.counts(),
            "errors": [self._row_dict(e) for e in sorted(self.errors, key=lambda e: e.row)],
            "warnings": [self._row_dict(w) for w in sorted(self.warnings, key=lambda w: w.row)],
            "questions": self.questions(),
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
        for part in _address_parts(address):
            if village := self.find(part):
                return village
        return None

    def named_in_address(self, address: str) -> str:
        """The village an address names ("Xóm 3, xã Nghĩa Hành, …" -> "Xóm 3"): the last part that starts
        with a village word, before any commune part; "" when there is none."""
        found = ""
        for part in _address_parts(address):
            folded = fold(part)
            if _COMMUNE_PART.match(folded):
                break
            if _VILLAGE_PART.match(folded):
                found = part[:1].upper() + part[1:]
        return found

    def other_commune(self, address: str) -> str:
        """The commune part of an address when it names another commune than this one ("xã Nghĩa Hành")."""
        if not _COMMUNE_ANYWHERE.search(fold(address)):
            return ""
        own = _bare_commune(fold(self.commune.name))
        for part in _address_parts(address):
            if m := _COMMUNE_PART.match(fold(part)):
                return "" if _bare_commune(m[0]) == own else part
        return ""


_ADDRESS_SPLIT = re.compile(r"[,;\-–]")


def _address_parts(address: str) -> list[str]:
    return [part.strip() for part in _ADDRESS_SPLIT.split(address) if part.strip()]


def _bare_commune(folded: str) -> str:
    m = _COMMUNE_PART.match(folded)
    return m[1].strip() if m else folded.strip()


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
    segments: list[list[Any]] | None = None,
    meanings: dict[str, dict[str, str]] | None = None,
) -> Analysis:
    """Dry run: every row checked and matched; nothing written. `mapping` is {column index: field}.

    `segments` lists the sheets the rows come from (`reading.Table.sheets`; default: one sheet, data
    from `data_start`); `meanings` holds the officer's answers for unclear values,
    {column index: {folded value: meaning of VALUE_MEANINGS}}."""
    by_field: dict[str, int] = {}
    for index, code in mapping.items():
        if isinstance(code, str) and code and code != "ignore" and code in FIELD_LABELS:
            by_field.setdefault(code, int(index))
    kind = RESIDENT_KIND if "relation" in by_field else HOUSEHOLD_KIND
    result = Analysis(kind=kind)
    result.segments = segments or [["", 0, max(data_start - 1, 0), data_start, len(rows)]]
    header = {code: columns.get(index, FIELD_LABELS[code]) for code, index in by_field.items()}
    result.headers = {index: header[code] for code, index in by_field.items()}
    result.column_names = header
    store_ids = CommuneSettings.for_commune(commune).store_citizen_ids
    if "citizen_id" in by_field and not store_ids:
        result.ids_ignored = True
        result.notices.append(
            f"Xã chưa chọn lưu số định danh cá nhân nên cột “{header['citizen_id']}” được bỏ qua: "
            "không số nào được lưu."
        )
    villages = _Villages(commune)
    current: HouseholdRow | None = None
    by_number: dict[str, HouseholdRow] = {}
    by_system: dict[int, HouseholdRow] = {}
    name_col = by_field.get("name")
    birth_cols = [by_field[c] for c in ("birth", "birth_male", "birth_female") if c in by_field]
    total = sum(end - first for _name, _start, _header, first, end in result.segments)

    def error(row: int, code: str, message: str) -> None:
        result.errors.append(
            RowError(row=row, column=header.get(code, FIELD_LABELS.get(code, code)), message=message)
        )

    reader = _RowReader(by_field, error, store_ids, kind, meanings or {}, result)

    def numbered() -> Any:
        for _name, _start, _header, first, end in result.segments:
            for index in range(first, min(end, len(rows))):
                yield index, index == first

    offset = -1
    footer = False
    section_village: Place | None = None
    section_title = ""
    sheet_names = {first: name for name, _start, _header, first, _end in result.segments}
    for index, first_of_sheet in numbered():
        row = rows[index]
        offset += 1
        excel_row = index + 1
        if first_of_sheet:  # each sheet has its own footer and sections; a sheet named after a village is one
            footer, current = False, None
            name = sheet_names[index]
            section_village, section_title = None, ""
            if len(result.segments) > 1 and name and (village_kind_from_name(name) or villages.find(name)):
                section_village, section_title = villages.find(name), norm.text(name)
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
        if (
            not name_is_text
            or _is_footer([fold(name_cell)])
            or len(row) - row.count("") - row.count(None) <= SPARSE_ROW_CELLS
        ):
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
                # A section title stands alone or in the name column ("1 | Thôn Tây"); a name beside a
                # village ("Nguyễn Văn An | Thôn Đông", a list without birth dates) is a household.
                beside = name_is_text and fold(_SECTION_PREFIX.sub("", name_cell)) != fold(title)
                if title and not beside and (village_kind_from_name(title) or villages.find(title)):
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
            if household.system_id is not None:
                by_system.setdefault(household.system_id, household)
            current = household
            if kind == RESIDENT_KIND or values.get("birth_year"):
                household.residents.append(
                    _resident_from(values, excel_row, Relation.HEAD, own_date=kind == RESIDENT_KIND)
                )
            if kind == RESIDENT_KIND and not values.get("birth_year") and "birth_error" not in values:
                error(excel_row, _birth_code(by_field), "Thiếu ngày sinh hoặc năm sinh.")
            continue
        if values.get("household_id") is not None:
            target = by_system.get(values["household_id"])
        elif values.get("number"):
            target = by_number.get(fold(values["number"]))
        else:
            target = current
        if target is None:
            error(excel_row, "relation", "Chưa có dòng “Chủ hộ” của hộ này ở phía trên.")
            continue
        if not values.get("birth_year") and "birth_error" not in values:
            error(excel_row, _birth_code(by_field), "Thiếu ngày sinh hoặc năm sinh.")
        target.residents.append(_resident_from(values, excel_row, relation))

    if progress:
        progress(total, total, "Đang đối chiếu với sổ hộ")
    _settle_registration(result)
    _mark_invalid(result, error)
    _find_duplicates(result, error)
    _match_existing(result, commune, error)
    _mark_invalid(result, error)
    bad = result.error_rows
    result.warnings = [w for w in result.warnings if w.row not in bad]
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
                        f"Dòng chủ hộ ({result.where(household.row)}) có lỗi nên chưa nhập được người này.",
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
        self, by_field: dict[str, int], error: Callable[[int, str, str], None], store_ids: bool, kind: str,
        meanings: dict[str, dict[str, str]], result: Analysis,
    ) -> None:  # fmt: skip
        self.error = error
        self.result = result
        self.household_id = by_field.get("household_id")
        self.household_id_of = _Memo(_system_id)
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
        answers = meanings.get(str(self.poverty), {}) if self.poverty is not None else {}
        if self.poverty is not None:
            result.value_fields[self.poverty] = "poverty"
        self.poverty_of = _Memo(functools.partial(_poverty, answers=answers))
        self.flags = [(code, by_field[code], _Memo(norm.flag)) for code in self._FLAGS if code in by_field]
        self.disabled = by_field.get("disabled")
        self.disabled_of = _Memo(norm.flag)
        self.disabled_code = "has_disabled" if kind == HOUSEHOLD_KIND else "is_disabled"
        self.ethnicity = by_field.get("ethnicity")
        self.minority_of = _Memo(norm.ethnic_minority)
        self.registered = by_field.get("registered_on")
        self.registered_of = _Memo(functools.partial(norm.registration_date, today=timezone.localdate()))
        self.per_person = kind == RESIDENT_KIND  # the date of a row is the person's, else the household's

    def _unclear(self, index: int, raw: Any, excel_row: int, code: str, message: str) -> None:
        """A value the column's header leaves open: asked once per distinct value, refused on its rows
        until the officer answers."""
        key, shown = norm.folded(raw), norm.text(raw)
        asked = self.result.unclear.setdefault(index, {})
        counts = self.result.unclear_rows.setdefault(index, {})
        if key in asked or len(asked) < MAX_QUESTION_VALUES:
            asked.setdefault(key, shown)
            counts[key] = counts.get(key, 0) + 1
            message = (
                f"Chưa rõ “{shown}” trong cột này nghĩa là gì: hãy chọn nghĩa của nó ở phần "
                "“Giá trị cần làm rõ” (lệnh: --value)."
            )
        self.error(excel_row, code, message)

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
        if self.household_id is not None and cell(self.household_id) not in ("", None):
            system_id = read("household_id", self.household_id, self.household_id_of)
            if system_id is not None:
                values["household_id"] = system_id
        if self.poverty is not None:
            raw = cell(self.poverty)
            try:
                values["is_poor"], values["is_near_poor"] = self.poverty_of(raw)
            except norm.CellError as exc:
                self._unclear(self.poverty, raw, excel_row, "poverty", str(exc))
        for code, index, flag in self.flags:
            values[code] = flag(cell(index))
        if values.get("is_poor") and values.get("is_near_poor"):
            error(excel_row, "is_near_poor", "Một hộ không thể vừa là hộ nghèo vừa là hộ cận nghèo.")
        # Poor and near-poor exclude each other: a list that says one says "not the other", so that a
        # household the registry has as near-poor, in a list of poor households, becomes poor only
        # (else the commit would break the household's poor-xor-near-poor constraint).
        elif values.get("is_poor") and "is_near_poor" not in values:
            values["is_near_poor"] = False
        elif values.get("is_near_poor") and "is_poor" not in values:
            values["is_poor"] = False
        if self.disabled is not None:
            values[self.disabled_code] = self.disabled_of(cell(self.disabled))
        if self.ethnicity is not None:
            minority = self.minority_of(cell(self.ethnicity))
            if minority is not None:
                values["ethnic_minority"] = minority
        if self.registered is not None and cell(self.registered) not in ("", None):
            registered = read("registered_on", self.registered, self.registered_of)
            if registered is not None:
                problem = self.per_person and _registered_before_birth(registered, values)
                if problem:
                    error(excel_row, "registered_on", problem)
                else:
                    values["registered_on"] = registered
        return values


def _registered_before_birth(day: dt.date, values: dict[str, Any]) -> str:
    """The reason a person's own registration date cannot be right (before they were born), or ""."""
    if values.get("birth_date") and day < values["birth_date"]:
        return f"Ngày vào sổ {day:%d/%m/%Y} trước ngày sinh ({values['birth_date']:%d/%m/%Y})."
    if not values.get("birth_date") and values.get("birth_year") and day.year < values["birth_year"]:
        return f"Ngày vào sổ {day:%d/%m/%Y} trước năm sinh ({values['birth_year']})."
    return ""


def _settle_registration(result: Analysis) -> None:
    """Registration dates from the list (column "Ngày vào sổ" …): a household is in the registry since
    the earliest date on its rows; a resident without a date of their own takes the household's, but not
    before they were born (from their birth date, or 1 January of their birth year). Without any date
    nothing is provided and the model's default, the import day, applies to new rows."""
    bad = result.error_rows
    for household in result.households:
        days = [
            r.fields["registered_on"]
            for r in household.residents
            if "registered_on" in r.fields and r.row not in bad
        ]
        if "registered_on" in household.fields:
            days.append(household.fields["registered_on"])
        if not days:
            continue
        first = min(days)
        household.fields["registered_on"] = first
        if "registered_on" not in household.provided:
            household.provided = (*household.provided, "registered_on")
        for person in household.residents:
            if "registered_on" in person.fields:
                continue
            born = person.fields.get("birth_date")
            if born is None and person.fields.get("birth_year"):
                born = dt.date(person.fields["birth_year"], 1, 1)
            person.fields["registered_on"] = max(first, born) if born else first
            person.provided = (*person.provided, "registered_on")


def _differs(code: str, saved: Any, listed: Any) -> bool:
    """Whether the list changes a saved value; a registration date only ever moves earlier: the list
    of a later year must not make a household newer than the registry knows it to be."""
    if code == "registered_on":
        return saved is None or listed < saved
    return bool(saved != listed)


def _system_id(value: Any) -> int:
    raw = norm.text(value)
    if isinstance(value, bool) or not raw.isdecimal() or len(raw) > 18:  # isdigit() takes "²"
        raise norm.CellError(f"Mã hộ (hệ thống) “{raw[:40]}” phải là số, như trong tệp xuất từ phần mềm.")
    return int(raw)


def _poverty(value: Any, *, answers: dict[str, str]) -> tuple[bool, bool]:
    meaning = answers.get(norm.folded(value))
    if meaning in VALUE_MEANINGS["poverty"]:
        return VALUE_MEANINGS["poverty"][meaning][1]
    return norm.poverty(value)


def _household_from(
    values: dict[str, Any], excel_row: int, by_field: dict[str, int], villages: _Villages,
    section: tuple[Place | None, str], create_villages: bool, result: Analysis,
    error: Callable[[int, str, str], None],
) -> HouseholdRow:  # fmt: skip
    village: Place | None = None
    new_village = ""
    address = values.get("address", "")
    place_code = "village" if "village" in by_field else "address" if "address" in by_field else "village"
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
    elif address and (village := villages.from_address(address)):
        pass
    elif section[0] is not None:
        village = section[0]
    elif section[1] and create_villages:
        new_village = section[1]
        result.new_villages.setdefault(fold(new_village), new_village)
    elif section[1]:
        error(
            excel_row,
            place_code,
            f"Thôn “{section[1]}” (dòng tiêu đề nhóm phía trên) không có trong {villages.commune.name}.",
        )
    elif address and create_villages and (in_address := villages.named_in_address(address)):
        new_village = in_address
        result.new_villages.setdefault(fold(new_village), new_village)
    elif address and (in_address := villages.named_in_address(address)):
        error(
            excel_row, "address",
            f"Thôn “{in_address}” (trong địa chỉ) chưa có trong {villages.commune.name}. Hãy thêm thôn trước, "
            "hoặc chọn “Tạo thôn mới khi chưa có”.",
        )  # fmt: skip
    elif address:
        error(
            excel_row, place_code,
            f"Địa chỉ “{address}” không ghi thôn, xóm, tổ dân phố của hộ: hãy thêm cột Thôn/Xóm, hoặc ghi "
            "thôn vào địa chỉ (ví dụ “Xóm 3, …”).",
        )  # fmt: skip
    else:
        error(
            excel_row,
            place_code,
            "Không xác định được thôn của hộ này: hãy ghi tên thôn (cột Thôn/Xóm hoặc trong địa chỉ).",
        )
    if address and (other := villages.other_commune(address)):
        result.warn(
            excel_row, "address",
            f"Địa chỉ ghi “{other}”, không phải {villages.commune.name}: hãy kiểm tra hộ này có thuộc xã không.",
        )  # fmt: skip
    fields: dict[str, Any] = {"head_name": values["name"]}
    provided = tuple(
        code
        for code in ("address", "number", "phone", "declared_size", *HOUSEHOLD_FLAGS, "registered_on")
        if code in values
    )
    for code in provided:
        fields[code] = values[code]
    return HouseholdRow(
        row=excel_row, village=village, new_village=new_village, fields=fields, provided=provided,
        system_id=values.get("household_id"),
        head_birth=(values.get("birth_date"), values.get("birth_year")),
        head_id_hash=values.get("id_hash", ""),
    )  # fmt: skip


_RESIDENT_OPTIONAL = ("birth_date", "birth_year", "gender", "phone", "is_disabled", "ethnic_minority")


def _resident_from(
    values: dict[str, Any], excel_row: int, relation: str, *, own_date: bool = True
) -> ResidentRow:
    """A person of the list; `own_date` False when the row's registration date is the household's
    (a household list), which the person then inherits (`_settle_registration`)."""
    fields: dict[str, Any] = {"full_name": values["name"], "relation": relation}
    wanted = (*_RESIDENT_OPTIONAL, "registered_on") if own_date else _RESIDENT_OPTIONAL
    optional = tuple(code for code in wanted if values.get(code) not in (None, ""))
    for code in optional:
        fields[code] = values[code]
    provided = ("relation", *optional) if "relation" in values else optional
    return ResidentRow(
        row=excel_row, fields=fields, provided=provided,
        id_hash=values.get("id_hash", ""), id_mask=values.get("id_mask", ""),
    )  # fmt: skip


def _household_facts(h: HouseholdRow) -> Facts:
    fields = h.fields
    return Facts(
        fields.get("number", ""),
        h.head_birth,
        fields.get("phone", ""),
        fields.get("address", ""),
        h.head_id_hash,
    )


def _find_duplicates(result: Analysis, error: Callable[[int, str, str], None]) -> None:
    """Two rows are one household only when the evidence says so: the same system id, the same household
    number in the same village, or the same head (name and birth date/year) in the same village.
    Namesakes with nothing to tell them apart are both kept, with a warning for the officer."""
    by_system: dict[int, int] = {}
    by_number: dict[tuple[Any, str], int] = {}
    by_name: dict[tuple[Any, str], list[HouseholdRow]] = {}
    seen_ids: dict[str, int] = {}
    for household in result.households:
        if household.invalid:
            continue
        first: int | None = None
        code = "name"
        number = fold(household.fields.get("number", ""))
        if household.system_id is not None:
            if household.system_id in by_system:
                first, code = by_system[household.system_id], "household_id"
        elif number and (household.village_key(), number) in by_number:
            first, code = by_number[(household.village_key(), number)], "number"
        name_key = household.name_key()
        if first is None:
            likely: HouseholdRow | None = None
            for other in by_name.get(name_key, ()):
                if household.system_id is not None and other.system_id is not None:
                    continue  # both named by the export: different ids are different households
                same = same_household(_household_facts(household), _household_facts(other))
                if same:
                    first = other.row
                    break
                if same is None and likely is None:
                    likely = other
            if first is None and likely is not None:
                result.warn(
                    household.row, "name",
                    f"Có thể trùng với hộ ở {result.where(likely.row)} (cùng họ tên chủ hộ, cùng thôn, không có "
                    "năm sinh hay số hộ để phân biệt); cả hai hộ vẫn được nhập, hãy kiểm tra.",
                )  # fmt: skip
        if first is not None:
            error(household.row, code, f"Trùng với hộ ở {result.where(first)}.")
            household.invalid = True
            for resident in household.residents:
                if resident.row != household.row:
                    error(resident.row, "relation", f"Hộ của người này trùng với hộ ở {result.where(first)}.")
            continue
        if household.system_id is not None:
            by_system[household.system_id] = household.row
        if number:
            by_number.setdefault((household.village_key(), number), household.row)
        by_name.setdefault(name_key, []).append(household)
        seen_people: dict[tuple[str, Any], ResidentRow] = {}
        for resident in household.residents:
            person = (fold(resident.fields["full_name"]), resident.fields.get("birth_year"))
            twin = seen_people.get(person)
            if resident.id_hash and resident.id_hash in seen_ids:
                error(
                    resident.row, "citizen_id",
                    f"Số định danh trùng với {result.where(seen_ids[resident.id_hash])}.",
                )  # fmt: skip
            elif twin is not None and not (resident.id_hash and twin.id_hash):
                error(
                    resident.row,
                    "name",
                    f"Trùng với người ở {result.where(twin.row)} (cùng họ tên, năm sinh, cùng hộ).",
                )
            else:
                seen_people.setdefault(person, resident)
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
                f"SELECT citizen_id_hash, id, household_id FROM {Resident._meta.db_table} "  # nosec B608  # a table name
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
    "is_pupil", "left_on", "citizen_id_masked",
)  # fmt: skip


def _by_head(
    household: HouseholdRow, by_head: dict[tuple[int, str], list[Household]],
    heads: dict[int, tuple[tuple[dt.date | None, int | None], str]], claimed: set[int], result: Analysis,
) -> Household | None:  # fmt: skip
    """The household already in the registry with the same head, when the evidence says it is the same:
    the head's birth date/year, else (no birth on one side) the same address and nothing contradicting."""
    assert household.village is not None
    likely: Household | None = None
    for existing in by_head.get((household.village.pk, fold(household.fields["head_name"])), ()):
        if existing.pk in claimed:
            continue  # another row of this list is that household already
        birth, id_hash = heads.get(existing.pk, ((None, None), ""))
        same = same_household(
            _household_facts(household),
            Facts(existing.number, birth, existing.phone, existing.address, id_hash),
        )
        if same is None and fold(existing.address) == fold(household.fields.get("address", "")):
            same = True  # no birth either side: the same head at the same address, as lists have always been matched
        if same:
            return existing
        if same is None and likely is None:
            likely = existing
    if likely is not None:
        result.warn(
            household.row, "name",
            f"Có thể trùng với hộ “{likely.head_name}” đã có trong sổ ({likely.address or 'không ghi địa chỉ'}); "
            "hộ này được nhập thành hộ mới, hãy kiểm tra.",
        )  # fmt: skip
    return None


def _match_existing(result: Analysis, commune: Place, error: Callable[[int, str, str], None]) -> None:
    households = [
        h for h in result.households if not h.invalid and (h.village is not None or h.system_id is not None)
    ]
    if not households:
        return
    households_by_pk: dict[int, Household] = {}
    by_number: dict[tuple[int, str], Household] = {}
    by_head: dict[tuple[int, str], list[Household]] = {}
    # Columns never compared here are not loaded (commit sets the derived ones and updated_at itself).
    for existing in Household.objects.filter(village__parent=commune).defer(*_HOUSEHOLD_UNREAD):
        households_by_pk[existing.pk] = existing
        if existing.number:
            by_number.setdefault((existing.village_id, fold(existing.number)), existing)
        by_head.setdefault((existing.village_id, fold(existing.head_name)), []).append(existing)
    heads: dict[int, tuple[tuple[dt.date | None, int | None], str]] = {}
    head_hash: dict[str, int] = {}
    if any(h.head_birth[1] or h.head_id_hash for h in households):
        for household_id, day, year, digest in Resident.objects.filter(
            household__village__parent=commune, relation=Relation.HEAD, erased_at__isnull=True
        ).values_list("household_id", "birth_date", "birth_year", "citizen_id_hash"):
            heads.setdefault(household_id, ((day, year), digest or ""))
            if digest:
                head_hash[digest] = household_id
    claimed: set[int] = set()
    for household in households:
        found = None
        if household.system_id is not None:
            found = households_by_pk.get(household.system_id)
            if found is None:
                error(
                    household.row, "household_id",
                    f"Mã hộ (hệ thống) {household.system_id} không có trong sổ hộ của {commune.name}: chỉ "
                    "nhập lại được tệp xuất từ chính xã này; với hộ mới hãy để trống ô này.",
                )  # fmt: skip
                household.invalid = True
                continue
        elif household.head_id_hash and household.head_id_hash in head_hash:
            owner = households_by_pk.get(head_hash[household.head_id_hash])
            if owner is not None and fold(owner.head_name) == fold(household.fields["head_name"]):
                found = (
                    owner  # the head's ID number: the same person heads it (another name is an error below)
                )
        if found is None and household.village is not None and household.system_id is None:
            if household.fields.get("number"):
                found = by_number.get((household.village.pk, fold(household.fields["number"])))
            if found is None:
                found = _by_head(household, by_head, heads, claimed, result)
        if found is not None:
            claimed.add(found.pk)
        household.existing = found
        if found is not None:
            household.changes = {
                code: household.fields[code]
                for code in household.provided
                if _differs(code, getattr(found, code), household.fields[code])
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
                if _differs(code, getattr(match, code), person.fields[code])
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
        # The indicators' rollups follow in the same transaction (registry.recording's listeners).
        recording.households_changed(
            row.existing.pk if row.existing is not None else new_ids[id(row)] for row in households
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
