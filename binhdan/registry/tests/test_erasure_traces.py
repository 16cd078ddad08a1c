"""Erasure leaves no trace: the name, phone, ID and birth date appear nowhere in the database afterwards.

The check dumps every text, JSON and binary column of every table (from the database schema, so a table
added later is covered without touching this test), decodes what is stored encoded (JSON escapes,
zlib-compressed import tables, signed sessions) and searches NFC, NFD and accent-folded forms.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import re
import unicodedata
import uuid
import zlib
from pathlib import Path
from typing import Any

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.messages.storage.base import Message
from django.contrib.messages.storage.cookie import MessageEncoder
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from binhdan.accounts.models import AuditEvent
from binhdan.common.models import Job
from binhdan.common.text import fold
from binhdan.fieldwork import sync
from binhdan.fieldwork.models import Visit, WorkTime
from binhdan.registry import rights, services
from binhdan.registry.importing import open_batch
from binhdan.registry.models import CommuneSettings, Consent, Household, ImportBatch, Relation, Resident
from binhdan.registry.redaction import REDACTED, PersonTraces
from binhdan.registry.rights import Erasure, register_erasure_step
from binhdan.registry.tests import workbooks as wb

NAME = "Nguyễn Văn Khải"
PHONE = "0912000999"
CITIZEN_ID = "079090001234"
BIRTH = dt.date(1990, 4, 2)


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


# --- the dump ---------------------------------------------------------------------------------------


def _json_forms(text: str) -> list[str]:
    """text, and when it is JSON (possibly holding JSON strings itself) its unescaped forms."""
    forms = [text]
    if text[:1] in ("[", "{", '"'):
        try:
            data = json.loads(text)
        except ValueError:
            return forms
        forms.append(json.dumps(data, ensure_ascii=False))
        if isinstance(data, str):
            forms.extend(_json_forms(data))
    return forms


def _decoded(table: str, value: Any) -> list[str]:
    """Every readable form of one stored value."""
    if isinstance(value, memoryview | bytes | bytearray):
        raw = bytes(value)
        forms = [raw.decode("utf-8", "ignore")]
        with contextlib.suppress(zlib.error):
            forms.append(zlib.decompress(raw).decode("utf-8", "ignore"))
        return forms
    if isinstance(value, dict | list):  # jsonb through psycopg
        return [json.dumps(value, ensure_ascii=False)]
    if not isinstance(value, str):
        return []
    forms = _json_forms(value)
    if table == "django_session":
        for item in SessionStore().decode(value).values():
            forms.extend(
                _json_forms(item) if isinstance(item, str) else [json.dumps(item, ensure_ascii=False)]
            )
    return forms


def dump_database() -> dict[str, list[str]]:
    """table -> every text form of every value in its text/char/JSON/binary columns."""
    texts: dict[str, list[str]] = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            columns = [c.name for c in connection.introspection.get_table_description(cursor, table)]
            quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
            cursor.execute(f"SELECT {quoted} FROM {connection.ops.quote_name(table)}")
            for row in cursor.fetchall():
                for value in row:
                    texts.setdefault(table, []).extend(_decoded(table, value))
    return texts


def traces_found(texts: dict[str, list[str]], *, learner_code: str, id_hash: str) -> dict[str, set[str]]:
    """kind of trace -> tables holding it; names in NFC, NFD and folded form, phones in any spacing."""
    name_folded = fold(NAME)
    phone_core = PHONE[1:]  # "912000999" also inside +84 912 000 999
    found: dict[str, set[str]] = {}
    for table, values in texts.items():
        for value in values:
            folded = " ".join(fold(unicodedata.normalize("NFC", value)).split())
            digits_only = re.sub(r"[\s.\-()+]", "", value)
            checks = {
                "name": NAME in value or nfd(NAME) in value or name_folded in folded,
                "phone": phone_core in digits_only,
                "citizen_id": CITIZEN_ID in digits_only or "0790******34" in value or id_hash in value,
                "birth_date": "02/04/1990" in value or "1990-04-02" in value,
                "learner_code": re.search(rf"(?<![0-9A-Za-z]){learner_code}(?![0-9A-Za-z])", value)
                is not None,
            }
            for kind, hit in checks.items():
                if hit:
                    found.setdefault(kind, set()).add(table)
    return found


# --- the person, spread through every corner --------------------------------------------------------


def _resident_list(name: str, phone: str) -> bytes:
    rows = [
        [1, name, "02/04/1990", "Nam", CITIZEN_ID, "Thôn Đông", "Xóm 1", 1, phone, "", f"em của {name}"],
        [2, "Trần Thị Cúc", 1962, "Nữ", "", "Thôn Đông", "Xóm 2", 3, "", "", ""],
    ]
    return wb.household_list_xlsx(rows)


@pytest.fixture
def spread(world, client_for):
    """Nguyễn Văn Khải in the registry, and named in every place a real commune would leave him."""
    CommuneSettings.objects.update_or_create(commune=world.commune, defaults={"store_citizen_ids": True})
    khai = services.add_resident(
        by=world.member_a, household=world.household_a, full_name=NAME, birth_date=BIRTH,
        relation=Relation.CHILD, phone=PHONE, citizen_id=CITIZEN_ID,
    )  # fmt: skip
    khai.learner_code = "KQX7M2"
    khai.save()
    services.record_consent(
        by=world.member_a, resident=khai, given=True, method=Consent.Method.VERBAL, note=f"{NAME} tự ký"
    )
    # His mother's consent note and a neighbour's address name him too.
    services.record_consent(
        by=world.member_a, resident=world.resident_a, given=True, method=Consent.Method.VERBAL,
        note=f"Con trai là {nfd(NAME)} (0912.000.999) chứng kiến",
    )  # fmt: skip
    services.update_household(
        by=world.officer, household=world.household_b, address="Cạnh nhà anh NGUYEN VAN KHAI"
    )
    # Visit notes (NFD, folded, the phone spaced three ways, the ID and birth date in text) and a work note.
    day = timezone.localdate() - dt.timedelta(days=2)
    records = [
        {
            "uuid": str(uuid.uuid4()),
            "type": "visit",
            "data": {
                "household": world.household_a.pk,
                "visited_at": f"{day.isoformat()}T09:30:00+07:00",
                "minutes": 20,
                "channel": "door",
                "people": [{"resident": khai.pk, "skills": [], "status": {}}],
                "notes": (
                    f"Hướng dẫn {nfd(NAME)} cài VNeID; gọi lại 0912 000 999 hoặc +84 912-000-999. "
                    f"Anh nguyen   van khai sinh 02/04/1990, CCCD 0790 9000 1234."
                ),
            },
        },
        {
            "uuid": str(uuid.uuid4()),
            "type": "work_time",
            "data": {"date": day.isoformat(), "hours": 2, "note": f"Kèm {NAME} học Zalo"},
        },
    ]
    answers = sync.push(user=world.member_a, records=records)
    assert [a["status"] for a in answers] == ["created", "created"], answers
    # The audit log's search text: two members looked him up by name, once without accents.
    client_for(world.member_a).get(reverse("registry:household_list"), {"q": NAME})
    client_for(world.leader_a).get(reverse("registry:household_list"), {"q": "nguyen van khai 0912000999"})
    # The admin log (the officer changed him in the admin), with a hand-written message.
    LogEntry.objects.log_actions(
        world.officer.pk, [khai], CHANGE, change_message=[{"changed": {"fields": ["số điện thoại"]}}]
    )
    LogEntry.objects.log_actions(world.officer.pk, [world.household_a], CHANGE, change_message=f"Thêm {NAME}")
    # Import staging: a list naming him, previewed but not committed (and the job that checked it).
    batch = open_batch(
        data=_resident_list(NAME, "0912 000 999"),
        filename=f"ds-{NAME}.xlsx",
        commune=world.commune,
        by=world.officer,
    )
    batch.summary = {"data_rows": 2, "errors": [{"row": 8, "message": f"Trùng với {NAME} ở dòng 9"}]}
    batch.save()
    # A committed import keeps the rows it left out (for the error workbook); one of them names him.
    kept = open_batch(
        data=_resident_list(NAME, PHONE), filename="ds-da-nhap.xlsx", commune=world.commune, by=world.officer
    )
    kept.status = ImportBatch.Status.COMMITTED
    kept.save()
    Job.objects.create(kind="import_check", title=f"Kiểm tra {batch.filename}", message=f"Dòng 8: {NAME}",
                       result={"rows": [{"ten": NAME, "sdt": PHONE}]})  # fmt: skip
    # A session holding a flash message and a remembered search that name him.
    session = SessionStore()
    session["_messages"] = MessageEncoder().encode([Message(25, f"Đã thêm {NAME} vào hộ.")])
    session["last_search"] = nfd(NAME)
    session["assistant_learner_code"] = "KQX7M2"  # the learning assistant remembers the learner
    session.create()
    return khai


def test_after_erasure_no_table_holds_the_name_phone_or_id(world, client_for, spread):
    id_hash = spread.citizen_id_hash
    before = traces_found(dump_database(), learner_code="KQX7M2", id_hash=id_hash)
    # The dump sees every corner the fixture wrote to (so an empty "after" means something).
    for table in ("fieldwork_visit", "fieldwork_worktime", "accounts_auditevent", "django_admin_log",
                  "registry_importbatch", "common_job", "django_session", "registry_consent",
                  "registry_household", "registry_resident"):  # fmt: skip
        assert table in before["name"], (table, before["name"])
    assert {"fieldwork_visit", "registry_resident", "registry_importbatch"} <= before["phone"]
    assert {"fieldwork_visit", "registry_resident"} <= before["citizen_id"]
    assert "fieldwork_visit" in before["birth_date"]
    assert {"registry_resident", "django_session"} <= before["learner_code"]

    response = client_for(world.officer).post(
        reverse("registry:resident_erase", args=[spread.pk]),
        {"reason": f"Đơn của ông {NAME} ngày 05/01/2026", "confirm": "on"},
    )
    assert response.status_code == 302

    after = traces_found(dump_database(), learner_code="KQX7M2", id_hash=id_hash)
    assert after == {}, after


def test_free_text_keeps_everything_but_the_person(world, client_for, spread):
    rights.erase_resident(by=world.officer, resident=spread, reason=f"Đơn của {NAME}")
    visit = Visit.objects.get(household=world.household_a)
    assert visit.notes == (
        f"Hướng dẫn {REDACTED} cài VNeID; gọi lại {REDACTED} hoặc {REDACTED}. "
        f"Anh {REDACTED} sinh {REDACTED}, CCCD {REDACTED}."
    )
    assert WorkTime.objects.get().note == f"Kèm {REDACTED} học Zalo"
    assert (
        Consent.objects.get(resident=world.resident_a).note
        == f"Con trai là {REDACTED} ({REDACTED}) chứng kiến"
    )
    world.household_b.refresh_from_db()
    assert world.household_b.address == f"Cạnh nhà anh {REDACTED}"
    assert "khai" not in world.household_b.search_text  # the folded search column followed
    searches = AuditEvent.objects.filter(action=AuditEvent.Action.VIEW_LIST).values_list("detail", flat=True)
    assert sorted(searches) == sorted(
        [f"Danh sách hộ; tìm: {REDACTED}", f"Danh sách hộ; tìm: {REDACTED} {REDACTED}"]
    )
    erase = AuditEvent.objects.get(action=AuditEvent.Action.ERASE)
    assert erase.detail == f"Xoá dữ liệu cá nhân theo yêu cầu. Lý do: Đơn của {REDACTED}"
    assert erase.object_id == str(spread.pk)  # who was erased stays provable, by id
    assert LogEntry.objects.get(object_id=str(spread.pk)).object_repr == rights.ERASED_NAME
    batch = ImportBatch.objects.exclude(status=ImportBatch.Status.COMMITTED).get()
    assert (batch.status, batch.table) == (ImportBatch.Status.DISCARDED, None)
    kept = ImportBatch.objects.get(status=ImportBatch.Status.COMMITTED)
    assert kept.table is None  # its kept error rows went too; the written households stay
    assert batch.filename == f"ds-{REDACTED}.xlsx"
    # The other people stay exactly as they were.
    world.resident_a.refresh_from_db()
    assert world.resident_a.full_name == "Nguyễn Thị Hoà"
    assert Household.objects.search("dang van duc").get() == world.household_b


def test_a_namesake_keeps_his_name_and_his_phone(world, spread):
    namesake = services.add_resident(
        by=world.member_b, household=world.household_b, full_name=NAME, birth_year=1975,
        relation=Relation.SPOUSE, phone="0987654321",
    )  # fmt: skip
    rights.erase_resident(by=world.officer, resident=spread, reason="Đơn")
    namesake.refresh_from_db()
    assert (namesake.full_name, namesake.phone, namesake.erased_at) == (NAME, "0987654321", None)
    assert Resident.objects.filter(full_name=NAME).count() == 1


def test_higher_apps_add_erasure_steps_without_registry_importing_them(world, spread):
    keys = [key for key, _ in rights.erasure_steps()]
    assert "fieldwork-text" in keys and keys.index("registry-text") < keys.index("fieldwork-text")
    seen: list[Erasure] = []
    register_erasure_step("test-probe", seen.append)
    try:
        rights.erase_resident(by=world.officer, resident=spread, reason="Đơn")
    finally:
        rights._STEPS[:] = [(k, s) for k, s in rights._STEPS if k != "test-probe"]
    (erasure,) = seen
    assert erasure.resident.pk == spread.pk and erasure.commune == world.commune
    assert erasure.traces.mentions(f"gặp {nfd(NAME).upper()} hôm qua")
    here = Path(rights.__file__).parent
    source = (here / "rights.py").read_text(encoding="utf-8") + (here / "redaction.py").read_text(
        encoding="utf-8"
    )
    assert "fieldwork" not in re.sub(r'""".*?"""|#.*', "", source, flags=re.S)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"gặp {NAME}.", f"gặp {REDACTED}."),
        (f"gặp {nfd(NAME)}!", f"gặp {REDACTED}!"),
        ("NGUYỄN  VĂN\nKHẢI đến", f"{REDACTED} đến"),
        ("nguyen-van-khai", REDACTED),
        ("Nguyễn Văn Khảii", "Nguyễn Văn Khảii"),  # another word, not him
        ("Nguyễn Văn Khánh", "Nguyễn Văn Khánh"),
        ("SĐT 0912000999, 84912000999, (+84) 912.000.999", f"SĐT {REDACTED}, {REDACTED}, ({REDACTED}"),
        ("mã 10912000999", "mã 10912000999"),  # a longer number is another number
        ("sinh 2/4/1990 hoặc 1990-04-02", f"sinh {REDACTED} hoặc {REDACTED}"),
        ("CCCD 079090001234 / 079090001235", f"CCCD {REDACTED} / 079090001235"),
        ("", ""),
    ],
)
def test_redaction_matches_the_person_in_any_spelling(text, expected, settings):
    from binhdan.registry.citizen_id import hash_citizen_id

    traces = PersonTraces(
        names=(NAME,), phones=(PHONE,), citizen_id_hash=hash_citizen_id(CITIZEN_ID), birth_date=BIRTH
    )
    assert traces.redact(text) == expected
    assert traces.redact_value({"a": [text, 1, None]}) == {"a": [expected, 1, None]}


def test_a_purged_import_batch_still_answers_its_pages_without_an_error(world, client_for, spread):
    batch = ImportBatch.objects.exclude(status=ImportBatch.Status.COMMITTED).get()
    rights.erase_resident(by=world.officer, resident=spread, reason="Đơn")
    client = client_for(world.officer)
    for name in ("import_batch", "import_mapping", "import_confirm", "import_values", "import_errors"):
        url = reverse(f"registry:{name}", args=[batch.pk])
        assert client.get(url).status_code < 500, name
        assert client.post(url, {}).status_code < 500, name
