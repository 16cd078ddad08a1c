"""The access matrix (SPEC §3, issue 14): every URL pattern of the site and every operation of the API, for
every persona and anonymous, with real object ids from each scope.

Nothing here is a hand list of URLs: the patterns come from Django's resolver (config.urls, recursively,
the Django admin and the API included) and the operations from the OpenAPI document. `ACCESS` says, for
each URL name or operation id, which rule decides who may use it and which kind of object its id names;
a URL or an operation without an entry fails `test_every_url_and_operation_has_an_entry`.

Per request the answer must be:
- allowed: 2xx, or a redirect that is not the sign-in page;
- out of scope: 404, the same as for a missing row;
- anonymous: the sign-in page (pages) or 401 (API), unless the entry is public; the admin answers 404.

Every POST-capable view (a workspace form, a POST-only action) is also POSTed with an empty body by every
persona out of scope: 404, and not a row written (the database's own change counters before and after).
Every request runs inside a savepoint rolled back after it, so no request changes what the next one sees.
One world is built once for the module (`matrix`), and each test reads the answers collected there.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import pytest
from django.contrib import admin
from django.db import connection, transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from binhdan.accounts.models import RoleKind
from binhdan.indicators.models import Indicator
from binhdan.places.models import Place
from binhdan.testing.matrix import MatrixWorld, build_matrix_world
from binhdan.testing.personas import signed_in_client
from config.api import api

# One world for the module: the group keeps its tests on one xdist worker; the django_db mark makes
# pytest-django set up the test database that the module fixture opens itself.
pytestmark = [pytest.mark.xdist_group("access_matrix"), pytest.mark.django_db]

LOGIN_URL = "/tai-khoan/dang-nhap/"
SIGN_IN_STEPS = ("/tai-khoan/xac-thuc/", "/tai-khoan/thiet-lap-xac-thuc/", "/tai-khoan/doi-mat-khau/")
PERSONAS = [
    "member_a", "leader_a", "member_b", "officer", "leader", "other_officer", "province_officer", "admin",
]  # fmt: skip
ANONYMOUS = "anonymous"
# ACCESS_MATRIX_ONLY=reports:,registry:household: runs only the URLs whose names contain one of these
# (while writing entries); ACCESS_MATRIX_DUMP=<file> writes every answer there.
ONLY = [part for part in os.environ.get("ACCESS_MATRIX_ONLY", "").split(",") if part]
HOSTILE_QUERY_PERSONAS = ("member_a", "officer")  # bound to village A / commune A: scope C is foreign
READ_ONLY = ("leader", "province_officer")  # roles that read and approve, never edit a workspace

# --- who holds which role where (the rules reason about these, not about binhdan.accounts.access) ------

HOME = {
    "member_a": (RoleKind.MEMBER, "village_a"),
    "leader_a": (RoleKind.TEAM_LEADER, "village_a"),
    "member_b": (RoleKind.MEMBER, "village_b"),
    "officer": (RoleKind.COMMUNE_OFFICER, "commune"),
    "leader": (RoleKind.COMMUNE_LEADER, "commune"),
    "other_officer": (RoleKind.COMMUNE_OFFICER, "other_commune"),
    "province_officer": (RoleKind.PROVINCE_OFFICER, "province"),
}

MEMBER, TEAM_LEADER = RoleKind.MEMBER, RoleKind.TEAM_LEADER
OFFICER, LEADER, PROVINCE = RoleKind.COMMUNE_OFFICER, RoleKind.COMMUNE_LEADER, RoleKind.PROVINCE_OFFICER


@dataclass(frozen=True)
class Who:
    """The persona a rule is asked about: its role kind and the place it is bound to (None: admin)."""

    name: str
    kind: str | None
    home: Place | None

    def within(self, place: Place | None) -> bool:
        """Whether `place` is the persona's place or under it (the scope is inherited downwards)."""
        if self.home is None or place is None:
            return self.home is None
        chain = [place, place.parent, place.parent.parent if place.parent else None]
        return any(p is not None and p.pk == self.home.pk for p in chain)


def holds(*kinds: str) -> Callable[[Who, Place | None], bool]:
    """Allowed to admins, and to holders of one of `kinds` whose place contains the object's."""
    return lambda who, place: who.kind is None or (who.kind in kinds and who.within(place))


def anywhere(*kinds: str) -> Callable[[Who, Place | None], bool]:
    """Allowed to admins and to holders of one of `kinds`, wherever (pages with no object of their own)."""
    return lambda who, place: who.kind is None or who.kind in kinds


def leads(who: Who, place: Place | None) -> bool:
    """A team leader, on the commune of their village."""
    return (
        who.kind == TEAM_LEADER
        and place is not None
        and who.home is not None
        and who.home.parent_id == place.pk
    )


RULES: dict[str, Callable[[Who, Place | None], bool]] = {
    "public": lambda who, place: True,
    "any signed-in": lambda who, place: True,
    "admin only": lambda who, place: who.kind is None,
    "village team": holds(MEMBER, TEAM_LEADER, OFFICER),  # see and change households and residents
    "village readers": holds(MEMBER, TEAM_LEADER, OFFICER, LEADER),  # see households and residents
    "team managers": holds(TEAM_LEADER, OFFICER),
    "commune staff": holds(OFFICER, LEADER),  # read the commune's workspace
    "commune officer": holds(OFFICER),  # change the commune's workspace
    "commune leader": holds(LEADER),  # approve
    "places": holds(MEMBER, TEAM_LEADER, OFFICER, LEADER, PROVINCE),  # places and aggregates
    "commune staff and province": holds(OFFICER, LEADER, PROVINCE),
    "field roles anywhere": anywhere(MEMBER, TEAM_LEADER),
    "officers anywhere": anywhere(OFFICER),
    "staff anywhere": anywhere(OFFICER, LEADER, PROVINCE),
    "team roles and commune staff anywhere": anywhere(MEMBER, TEAM_LEADER, OFFICER, LEADER),
    "writers anywhere": anywhere(MEMBER, TEAM_LEADER, OFFICER),
    "exporters anywhere": anywhere(OFFICER, LEADER),
    # programmes and reports: a team leader works from their village's commune pages too
    "programme desk": lambda who, place: holds(OFFICER, LEADER, PROVINCE)(who, place) or leads(who, place),
    "drive makers": lambda who, place: holds(OFFICER)(who, place) or leads(who, place),
    "drive readers": holds(TEAM_LEADER, OFFICER, LEADER),
    "report desk": lambda who, place: holds(OFFICER, LEADER, PROVINCE)(who, place) or leads(who, place),
    "report makers": lambda who, place: holds(OFFICER)(who, place) or leads(who, place),
    "team report readers": holds(TEAM_LEADER, OFFICER, LEADER),
    "exporters": holds(OFFICER, LEADER),  # bulk exports (access.BULK_EXPORTERS)
    # decided on the object itself (Runner.expect)
    "owner": lambda who, place: False,
    "nobody": lambda who, place: False,
    "token owner or officer": holds(OFFICER),
}
PUBLIC_RULES = {"public"}


@dataclass(frozen=True)
class Entry:
    rule: str
    target: str | None = None  # the kind of object the URL's id names (binhdan.testing.matrix)
    arg: str | None = None  # which kwarg takes it (default: "pk", else the URL's only kwarg)
    extra: dict[str, Any] = field(default_factory=dict)
    get: bool = True  # False: POST only (GET answers 405)
    post_rule: str | None = None  # who may POST, when fewer than those who may read the page
    # more (target, rule[, query]): the same URL on other objects, or asking for its file ("{pk}": the id)
    also: tuple[tuple[str, ...], ...] = ()
    query: str = ""  # e.g. the DOCX of a document (the PDF goes through LibreOffice: the app's own tests)
    note: str = ""


E = Entry
XLSX: Any = "the page's own rule, as XLSX"  # replaced below, once the entries exist
# A draft is read in the commune only; a team's report by its team leader and the commune's staff.
REPORT_VARIANTS = (("report_draft", "commune staff"), ("report_team", "team report readers"))
FIELD_API = (
    "tokens only for members and team leaders; a signed-in session (two-factor done) reads and writes what "
    "the web would, scoped by visible_to (records outside scope: _run_push_attacks)"
)
ACCESS: dict[str, Entry] = {
    # -- home, accounts ------------------------------------------------------------------------------
    "home": E("any signed-in"),
    "accounts:login": E("public"),
    "accounts:logout": E("public", get=False, note="POST only; signs out whoever asks"),
    "accounts:otp_verify": E("any signed-in"),
    "accounts:otp_setup": E("any signed-in"),
    "accounts:token_list": E("any signed-in"),
    "accounts:token_revoke": E("token owner or officer", "token", get=False),
    "accounts:enrolment_list": E("officers anywhere"),
    "accounts:enrolment_issue": E("commune officer", "member", get=False),
    "accounts:password_change": E("any signed-in"),
    "accounts:people_list": E("commune staff", "commune"),
    "accounts:people_invite": E("commune officer", "commune"),
    "accounts:role_end": E("commune officer", "role"),
    "accounts:password_reset": E("commune officer", "member"),
    # -- registry ------------------------------------------------------------------------------------
    "registry:household_list": E("any signed-in", note="lists only the rows the user may see"),
    "registry:household_create": E("writers anywhere"),
    "registry:household_detail": E("village readers", "household"),
    "registry:household_edit": E("village team", "household"),
    "registry:household_left": E("village team", "household"),
    "registry:household_undo_left": E("village team", "household", get=False),
    "registry:resident_create": E("village team", "household", arg="household_pk"),
    "registry:resident_detail": E("village readers", "resident"),
    "registry:resident_edit": E("village team", "resident"),
    "registry:resident_left": E("village team", "resident"),
    "registry:resident_undo_left": E("village team", "resident", get=False),
    "registry:resident_observe": E("village team", "resident", get=False),
    "registry:resident_consent": E("village team", "resident", get=False),
    "registry:catalogue": E("commune staff", "commune"),
    "registry:catalogue_core": E("commune officer", "commune"),
    "registry:catalogue_hidden": E("commune officer", "commune"),
    "registry:catalogue_add": E("commune officer", "commune"),
    "registry:catalogue_edit": E("commune officer", "skill"),
    "registry:commune_settings": E("commune officer", "commune"),
    "registry:import_start": E("officers anywhere"),
    "registry:import_batch": E("commune officer", "import"),
    "registry:import_mapping": E("commune officer", "import"),
    "registry:import_confirm": E("commune officer", "import", get=False),
    "registry:import_values": E("commune officer", "import", get=False),
    "registry:import_discard": E("commune officer", "import", get=False),
    "registry:import_errors": E("commune officer", "import"),
    "registry:export": E(
        "exporters anywhere",
        also=(("village", "exporters", "?noi={pk}"), ("commune", "exporters", "?noi={pk}")),
    ),
    "registry:resident_data": E("commune officer", "resident"),
    "registry:resident_erase": E("commune officer", "resident"),
    "registry:audit_log": E("officers anywhere"),
    # -- fieldwork -----------------------------------------------------------------------------------
    "fieldwork:province_detail": E("places", "province"),
    "fieldwork:commune_detail": E("places", "commune"),
    "fieldwork:village_create": E("commune officer", "commune"),
    "fieldwork:village_merge": E("commune officer", "commune"),
    "fieldwork:team_create": E("commune officer", "commune"),
    "fieldwork:training_list": E("commune staff", "commune"),
    "fieldwork:training_create": E("commune officer", "commune"),
    "fieldwork:training_edit": E("commune officer", "training"),
    "fieldwork:class_list": E("commune staff", "commune"),
    "fieldwork:class_create": E("commune officer", "commune"),
    "fieldwork:class_detail": E("commune staff", "class"),
    "fieldwork:class_edit": E("commune officer", "class"),
    "fieldwork:class_attendance": E("commune officer", "class", get=False),
    "fieldwork:class_sign_in_sheet": E("commune staff", "class"),
    "fieldwork:mentor_list": E("commune staff", "commune"),
    "fieldwork:mentor_create": E("commune officer", "commune"),
    "fieldwork:mentor_detail": E("commune staff", "mentor"),
    "fieldwork:mentee_add": E("commune officer", "mentor", get=False),
    "fieldwork:mentorship_outcome": E("commune officer", "mentorship"),
    "fieldwork:campaign_create": E("commune officer", "commune"),
    "fieldwork:campaign_edit": E("commune officer", "campaign"),
    "fieldwork:village_detail": E("places", "village"),
    "fieldwork:village_rename": E("commune officer", "village"),
    "fieldwork:village_close": E("commune officer", "village"),
    "fieldwork:team_detail": E("places", "team"),
    "fieldwork:team_member_add": E("team managers", "team"),
    "fieldwork:team_member_leave": E("team managers", "membership"),
    "fieldwork:assignments": E("team managers", "team"),
    "fieldwork:campaign_list": E("any signed-in"),
    "fieldwork:campaign_detail": E("commune staff and province", "campaign"),
    "fieldwork:scam_patterns": E("commune staff", "commune"),
    "fieldwork:scam_warnings": E("commune officer", "commune"),
    "fieldwork:scam_warning_withdraw": E("commune officer", "scam_warning", get=False),
    "fieldwork:scam_report_start": E("public"),
    "fieldwork:scam_report_public": E("public", "commune_code"),
    "fieldwork:scam_report_thanks": E("public", "commune_code"),
    "fieldwork:app": E("any signed-in"),
    "fieldwork:app_sw": E("public"),
    "fieldwork:app_manifest": E("public"),
    # -- common --------------------------------------------------------------------------------------
    "common:job": E("owner", "job"),
    "common:healthz": E("public"),
    # -- indicators ----------------------------------------------------------------------------------
    "indicators:village": E("places", "village", also=XLSX),
    "indicators:commune": E("places", "commune", also=XLSX),
    "indicators:province": E("places", "province", also=XLSX),
    "indicators:behind": E(
        "village readers",
        "village",
        arg="place",
        extra={"part": "tu-so"},
        also=(("village", "exporters", "?tai=xlsx"),),
    ),
    "indicators:teams": E("places", "commune", also=XLSX),
    "indicators:village_teams": E("places", "village", also=XLSX),
    "indicators:leaderboard": E("places", "commune"),
    "indicators:campaign": E("places", "campaign", also=XLSX),
    "indicators:campaign_print": E("commune staff", "campaign"),
    "indicators:targets": E("commune staff and province", "commune", post_rule="commune officer"),
    "indicators:monthly": E("commune staff and province", "commune", post_rule="commune officer"),
    "indicators:own_indicator_new": E("commune officer", "commune"),
    "indicators:own_indicator_edit": E("commune officer", "own_indicator"),
    # -- reports -------------------------------------------------------------------------------------
    "reports:index": E("any signed-in"),
    "reports:commune": E("report desk", "commune"),
    "reports:create": E("report makers", "commune"),
    "reports:columns": E("commune officer", "commune"),
    "reports:report": E("commune staff and province", "report_submitted", also=REPORT_VARIANTS),
    "reports:edit": E("commune officer", "report_draft", get=False, also=(("report_team", "team managers"),)),
    "reports:refresh": E("commune officer", "report_draft", get=False),
    "reports:submit": E("commune officer", "report_draft"),
    "reports:decide": E("commune leader", "report_submitted", get=False),
    "reports:new_version": E("commune officer", "report_submitted", get=False),
    "reports:download": E(
        "commune staff and province", "report_submitted", extra={"fmt": "docx"}, also=REPORT_VARIANTS
    ),
    "reports:deadlines": E("commune staff", "commune"),
    "reports:deadline_rules": E("commune officer", "commune"),
    "reports:province": E("places", "province"),
    "reports:tasks": E("commune staff and province", "commune"),
    "reports:task_create": E("commune officer", "commune"),
    "reports:tasks_import": E("commune officer", "commune"),
    "reports:tasks_import_preview": E("commune officer", "commune"),
    "reports:task_detail": E("commune staff and province", "task"),
    "reports:task_edit": E("commune officer", "task"),
    "reports:task_status": E("commune officer", "task"),
    "reports:task_delete": E("commune officer", "task"),
    "reports:evidence_upload": E("commune officer", "task"),
    "reports:evidence_download": E("commune staff and province", "evidence"),
    "reports:evidence_delete": E("commune officer", "evidence"),
    # -- programmes ----------------------------------------------------------------------------------
    "programmes:index": E("programme desk", "commune"),
    "programmes:drive_create": E("drive makers", "commune"),
    "programmes:detail": E("programme desk", "commune", extra={"slug": "programme"}),
    "programmes:drive_detail": E("drive readers", "drive"),
    "programmes:drive_results": E("team managers", "drive", get=False),
    "programmes:drive_slips": E("drive readers", "drive", query="?dinh-dang=docx"),
    # -- certificates --------------------------------------------------------------------------------
    "certificates:commune": E("commune staff", "commune"),
    "certificates:class": E("commune staff", "class"),
    "certificates:class_issue": E("commune officer", "class", get=False),
    "certificates:class_file": E("commune staff", "class", query="?dinh-dang=docx"),
    "certificates:certificate_revoke": E("commune officer", "certificate"),
    "certificates:certificate_reissue": E("commune officer", "certificate"),
    "certificates:certificate_file": E("commune staff", "certificate", query="?dinh-dang=docx"),
    "certificates:verify": E("public", "certificate_code"),
    # -- donations -----------------------------------------------------------------------------------
    "donations:list": E("commune staff", "commune"),
    "donations:donation_create": E("commune officer", "commune"),
    "donations:donors": E("commune staff", "commune"),
    "donations:donor_create": E("commune officer", "commune"),
    "donations:donor_edit": E("commune officer", "donor"),
    "donations:follow_ups": E("commune staff", "commune"),
    "donations:follow_up_record": E("commune officer", "donation"),
    # -- assistant -----------------------------------------------------------------------------------
    "assistant:chat": E("public"),
    "assistant:guide_list": E("public"),
    "assistant:guide_detail": E("public", "guide"),
    "assistant:learner_home": E("public"),
    "assistant:learner_exit": E("public", get=False),
    "assistant:self_check": E("public", "skill_code"),
    "assistant:issue_code": E("village team", "resident", get=False),
    "assistant:resident_progress": E("village readers", "resident"),
    "assistant:offline_guides": E("public"),
    "assistant:feedback": E("public", get=False),
    "assistant:commune_questions": E("commune staff", "commune"),
    "assistant:commune_questions_settings": E("commune officer", "commune", get=False),
    "assistant_short_link": E("public", "short"),
    # -- the API's own URLs (its operations are below, by operation id) -------------------------------
    "api:openapi-json": E("public"),
    "api:api-root": E("nobody", note="ninja's root, without docs: 404 for everyone"),
    "api:ask": E("public"),
    "api:push": E("any signed-in", note=FIELD_API),
    "api:pull": E("any signed-in", note=FIELD_API),
    "api:me": E("any signed-in", note=FIELD_API),
    # -- the Django admin: every URL under admin.site is "admin only" (AdminClosedMiddleware) ---------
    "admin:*": E("admin only"),
}

# The dashboards' workbooks (?tai=xlsx) answer as their page does.
for _name, _entry in list(ACCESS.items()):
    if _entry.also is XLSX:
        ACCESS[_name] = replace(_entry, also=((str(_entry.target), _entry.rule, "?tai=xlsx"),))

# What the Django admin itself answers a system admin: append-only and read-only models refuse adding and
# deleting (403), the autocomplete needs its query (403 without), logging out is POST only, and a place has
# no page on the site to view.
ADMIN_OWN_ANSWERS = {
    **{
        f"admin:{name}": "403"
        for name in (
            "accounts_auditevent_add", "accounts_auditevent_delete", "axes_accessattempt_add",
            "axes_accessfailurelog_add", "axes_accesslog_add", "django_tasks_database_dbtaskresult_add",
            "django_tasks_database_dbtaskresult_delete", "fieldwork_visit_add", "registry_skill_delete",
        )
    },
    "admin:autocomplete": "403",
    "admin:logout": "405",
    "admin:view_on_site": "404",
    "admin:/quan-tri/(?P<url>.*)$": "404",
}  # fmt: skip

# API operations by OpenAPI operation id.
OPERATIONS: dict[str, Entry] = {
    "binhdan_assistant_api_ask": E("public"),
    "binhdan_fieldwork_api_push": E("any signed-in", note=FIELD_API),
    "binhdan_fieldwork_api_pull": E("any signed-in", note=FIELD_API),
    "binhdan_fieldwork_api_me": E("any signed-in", note=FIELD_API),
}


# --- enumeration -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    name: str  # "namespace:name"
    route: str  # the pattern's text, for messages
    kwargs: tuple[str, ...]
    admin: bool


def _walk(resolver: URLResolver, prefix: str, namespace: str, admin_site: bool) -> Iterator[Route]:
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = ":".join(p for p in (namespace, pattern.namespace or "") if p)
            yield from _walk(
                pattern, prefix + str(pattern.pattern), inner, admin_site or pattern.app_name == "admin"
            )
        elif isinstance(pattern, URLPattern):
            # An unnamed pattern (the admin's catch-all redirects) is entered by its route.
            own = pattern.name or f"{prefix}{pattern.pattern}"
            name = f"{namespace}:{own}" if namespace else own
            kwargs = tuple(getattr(pattern.pattern, "converters", ())) or tuple(
                pattern.pattern.regex.groupindex
            )
            yield Route(name, prefix + str(pattern.pattern), kwargs, admin_site)


def all_routes() -> list[Route]:
    return list(_walk(get_resolver(), "/", "", False))


def entry_for(route: Route) -> Entry | None:
    return ACCESS.get("admin:*") if route.admin else ACCESS.get(route.name)


def all_operations() -> list[tuple[str, str, str]]:
    """(operation id, method, path) of every operation in the OpenAPI document."""
    schema = api.get_openapi_schema()
    return [
        (operation["operationId"], method.upper(), path)
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
    ]


def test_every_url_and_operation_has_an_entry():
    routes = all_routes()
    assert len(routes) > 250, "the resolver walk found the site's URLs"
    missing = [f"{r.name} ({r.route})" for r in routes if entry_for(r) is None]
    assert not missing, "URLs without an entry in tests/test_access_matrix.py ACCESS: " + ", ".join(missing)
    names = {r.name for r in routes if not r.admin}
    stale = [name for name in ACCESS if name != "admin:*" and name not in names]
    assert not stale, f"ACCESS entries for URLs that no longer exist: {stale}"
    operations = all_operations()
    assert operations
    missing_ops = [f"{op} ({method} {path})" for op, method, path in operations if op not in OPERATIONS]
    assert not missing_ops, "API operations without an entry in OPERATIONS: " + ", ".join(missing_ops)
    assert set(OPERATIONS) == {op for op, _, _ in operations}
    for entry in (*ACCESS.values(), *OPERATIONS.values()):
        assert entry.rule in RULES, entry


# --- the requests ------------------------------------------------------------------------------------

OK, NOT_FOUND, SIGN_IN, UNAUTHORIZED = "ok", "404", "sign-in", "401"
# Resident names that must never show outside the scope that holds them (village A, B, C).
SENTINELS = {"A": "Nguyễn Thị Hoà", "B": "Đặng Văn Đức", "C": "Bùi Thị Lan"}
PERSONAL_SCOPE = {
    "member_a": {"A"}, "leader_a": {"A"}, "member_b": {"B"}, "officer": {"A", "B"}, "leader": {"A", "B"},
    "other_officer": {"C"}, "province_officer": set(), "admin": {"A", "B", "C"}, ANONYMOUS: set(),
}  # fmt: skip


@dataclass
class Answer:
    what: str  # "GET /ho/3/ as member_b (scope B)"
    got: str
    expected: str
    writes: int = 0
    leaked: tuple[str, ...] = ()


@dataclass
class Results:
    answers: list[Answer] = field(default_factory=list)
    requests: int = 0
    routes: int = 0
    operations: int = 0
    seconds: dict[str, float] = field(default_factory=dict)
    named_back: list[str] = field(default_factory=list)  # foreign ids in the push's errors
    names_seen: dict[str, int] = field(default_factory=dict)  # answers showing names in scope, by type

    def failures(self, persona: str | None = None) -> list[str]:
        out = []
        for a in self.answers:
            if persona is not None and f" as {persona} " not in a.what + " ":
                continue
            if a.got != a.expected:
                out.append(f"{a.what}: got {a.got}, expected {a.expected}")
            if a.writes:
                out.append(f"{a.what}: wrote {a.writes} rows out of scope")
            if a.leaked:
                out.append(f"{a.what}: shows {', '.join(a.leaked)} from outside the persona's scope")
        return out


def _outcome(response: Any, *, api_call: bool) -> str:
    status = response.status_code
    location = response.get("Location", "")
    if status in (301, 302, 303, 307, 308) and location.startswith(LOGIN_URL):
        return SIGN_IN
    asked = response.request.get("PATH_INFO", "")
    # two-factor or a new password first is not "allowed" (but those pages send on to each other)
    if (
        status in (301, 302, 303, 307, 308)
        and location.startswith(SIGN_IN_STEPS)
        and not asked.startswith(SIGN_IN_STEPS)
    ):
        return "redirect to " + location.split("?")[0]
    if 200 <= status < 400:
        return OK
    return str(status)


def _text(response: Any) -> str:
    kind = response.get("Content-Type", "")
    if "json" in kind:
        try:
            return json.dumps(json.loads(response.body), ensure_ascii=False)
        except ValueError:
            return response.body.decode("utf-8", "replace")
    if kind.startswith("text/") or "javascript" in kind:
        return response.body.decode("utf-8", "replace")
    if "openxmlformats" in kind:  # DOCX, XLSX: the text of every XML part
        import io
        import zipfile

        with zipfile.ZipFile(io.BytesIO(response.body)) as book:  # cells write "&#7877;" for "ễ"
            return html.unescape(
                " ".join(
                    book.read(name).decode("utf-8", "replace")
                    for name in book.namelist()
                    if name.endswith(".xml")
                )
            )
    return ""


def _changed_rows() -> int:
    """Rows inserted, updated or deleted so far by this connection (SQLite) or transaction (PostgreSQL)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0) FROM pg_stat_xact_user_tables"
            )
        else:
            cursor.execute("SELECT total_changes()")
        return int(cursor.fetchone()[0])


class Runner:
    def __init__(self, m: MatrixWorld, results: Results) -> None:
        self.m = m
        self.results = results
        users = m.world.personas()
        self.clients: dict[str, Client] = {
            name: signed_in_client(users[name], Client(raise_request_exception=False)) for name in PERSONAS
        }
        self.clients[ANONYMOUS] = Client(raise_request_exception=False)
        self.who = {name: self._who(name) for name in PERSONAS}
        theirs = {
            kind: next(c.obj for c in m.cases(kind) if c.scope == "C")
            for kind in ("village", "commune", "household", "team")
        }
        self.hostile_query = (
            f"thon={theirs['village'].pk}&xa={theirs['commune'].pk}&ho={theirs['household'].pk}"
            f"&to={theirs['team'].pk}&village={theirs['village'].pk}&commune={theirs['commune'].pk}"
        )  # fmt: skip

    def _who(self, name: str) -> Who:
        if name == "admin":
            return Who(name, None, None)
        kind, attr = HOME[name]
        return Who(name, kind, getattr(self.m.world, attr))

    def call(self, persona: str, method: str, url: str, **extra: Any) -> tuple[Any, int]:
        client = self.clients[persona]
        started = time.perf_counter()
        point = transaction.savepoint()
        try:
            before = _changed_rows()
            response = client.get(url, **extra) if method == "GET" else client.post(url, **extra)
            # A file is read to its end (the test client then closes it, with its signals held back:
            # closing it here would send request_finished, which closes the connection mid-transaction).
            if getattr(response, "streaming", False):
                response.body = b"".join(response.streaming_content)
            else:
                response.body = response.content
            writes = _changed_rows() - before
        finally:
            transaction.savepoint_rollback(point)
        self.results.requests += 1
        key = url.split("?")[0]
        self.results.seconds[key] = self.results.seconds.get(key, 0.0) + time.perf_counter() - started
        return response, writes

    def expect(
        self, entry: Entry, persona: str, case: Any, *, api_call: bool, admin_site: bool, rule: str = ""
    ) -> str:
        rule = rule or entry.rule
        if rule == "nobody":
            return NOT_FOUND
        if persona == ANONYMOUS:
            if rule in PUBLIC_RULES:
                return OK
            return NOT_FOUND if admin_site else UNAUTHORIZED if api_call else SIGN_IN
        user = self.m.world.personas()[persona]
        if rule == "owner":
            return OK if case is not None and case.obj.created_by_id == user.pk else NOT_FOUND
        if rule == "token owner or officer" and case.obj.user_id == user.pk:
            return OK
        allowed = RULES[rule](self.who[persona], case.place if case is not None else None)
        return OK if allowed else NOT_FOUND

    def record(self, what: str, response: Any, writes: int, expected: str, persona: str, *, api_call: bool,
               check_writes: bool) -> str:  # fmt: skip
        got = _outcome(response, api_call=api_call)
        leaked: tuple[str, ...] = ()
        if got == OK:
            text = _text(response)
            leaked = tuple(
                name
                for scope, name in SENTINELS.items()
                if scope not in PERSONAL_SCOPE[persona] and name in text
            )
            if any(SENTINELS[scope] in text for scope in PERSONAL_SCOPE[persona]):  # the check can see
                kind = response.get("Content-Type", "").split(";")[0]
                self.results.names_seen[kind] = self.results.names_seen.get(kind, 0) + 1
        self.results.answers.append(Answer(what, got, expected, writes if check_writes else 0, leaked))
        return got


# --- filling a URL's kwargs from the objects of one scope -------------------------------------------


def _value(obj: Any) -> Any:
    return obj.pk if hasattr(obj, "pk") else obj


def url_of(route: Route, entry: Entry, case: Any, m: MatrixWorld) -> str:
    if route.route.startswith("/api/"):
        return route.route  # ninja's own URLs (the document, the root)
    if entry.target is None or not route.kwargs:
        if entry.target is not None:  # an id in the query only
            return reverse(route.name) + entry.query.replace("{pk}", str(_value(case.obj)))
        assert not route.kwargs, f"{route.name} takes {route.kwargs}: give its entry a target"
        return reverse(route.name)
    kwargs: dict[str, Any] = {}
    if entry.target == "own_indicator":
        commune, indicator = case.obj
        kwargs = {"pk": commune.pk, "indicator": indicator.pk}
    else:
        main = entry.arg or ("pk" if "pk" in route.kwargs else route.kwargs[0])
        kwargs[main] = _value(case.obj)
    for name, value in entry.extra.items():
        kwargs[name] = m.cases(value)[0].obj if value in m.objects else value
    if "code" in route.kwargs and "code" not in kwargs:  # the indicator behind a number
        kwargs["code"] = (
            Indicator.objects.filter(commune__isnull=True, kind="household").order_by("pk")[0].code
        )
    assert set(kwargs) == set(route.kwargs), (route.name, kwargs, route.kwargs)
    return reverse(route.name, kwargs=kwargs) + entry.query.replace("{pk}", str(_value(case.obj)))


def _admin_models() -> dict[tuple[str, str], Any]:
    return {(model._meta.app_label, model._meta.model_name): model for model in admin.site._registry}


def admin_url_of(route: Route) -> str:
    """An admin URL with a real row's id (any row: the admin sees everything)."""
    models = _admin_models()
    parts = route.route.split("/")  # "", "quan-tri", app, model, ...
    model = models.get((parts[2], parts[3])) if len(parts) > 3 else None
    pk = model.objects.order_by("pk").values_list("pk", flat=True).first() if model is not None else None
    kwargs: dict[str, Any] = {}
    for name in route.kwargs:
        if name in ("object_id", "pk", "id"):
            kwargs[name] = str(pk if pk is not None else 0)
        elif name == "app_label":
            kwargs[name] = (
                parts[2] if len(parts) > 2 and parts[2] and not parts[2].startswith("^") else "registry"
            )
        elif name == "url":  # the admin's last catch-all: a page it does not have
            return "/quan-tri/khong-co-trang-nay/"
        elif name == "content_type_id":
            from django.contrib.contenttypes.models import ContentType

            kwargs[name] = ContentType.objects.get_for_model(Place).pk
        else:
            raise AssertionError(f"{route.name}: fill the admin kwarg {name}")
    if ":" in route.name and not route.name.split(":", 1)[1].startswith("/"):
        if route.name == "admin:view_on_site":
            kwargs["object_id"] = str(Place.objects.order_by("pk").values_list("pk", flat=True).first())
        return reverse(route.name, kwargs=kwargs)
    url = route.route  # an unnamed catch-all: fill its text
    for name, value in kwargs.items():
        url = url.replace(f"<path:{name}>", value)
    return url


# --- the run -----------------------------------------------------------------------------------------


def _cases(entry: Entry, m: MatrixWorld) -> list[Any]:
    return [None] if entry.target is None else m.cases(entry.target)


def _run_routes(runner: Runner, m: MatrixWorld) -> None:
    personas = [*PERSONAS, ANONYMOUS]
    for route in all_routes():
        if route.name.startswith("api:") and route.name not in ("api:openapi-json", "api:api-root"):
            continue  # the operations, below
        if ONLY and not any(part in route.name for part in ONLY):
            continue
        found = entry_for(route)
        assert found is not None, route.name
        api_call = route.route.startswith("/api/")
        runner.results.routes += 1
        variants = [
            found,
            *(
                replace(found, rule=rule, target=target, query=query, also=())
                for target, rule, query in (
                    variant if len(variant) == 3 else (*variant, found.query) for variant in found.also
                )
            ),
        ]
        for entry, case in (
            [(found, None)] if route.admin else [(v, c) for v in variants for c in _cases(v, m)]
        ):
            url = admin_url_of(route) if route.admin else url_of(route, entry, case, m)
            scope = f" (scope {case.scope})" if case is not None else ""
            for persona in personas:
                expected = runner.expect(entry, persona, case, api_call=api_call, admin_site=route.admin)
                response, writes = runner.call(persona, "GET", url)
                what = f"GET {url} [{route.name}] as {persona}{scope}"
                if route.admin and persona == "admin":
                    expected = ADMIN_OWN_ANSWERS.get(route.name, expected)
                if not entry.get:
                    # POST only: never answers a GET (405), before or after the scope check.
                    got = _outcome(response, api_call=api_call)
                    runner.results.answers.append(
                        Answer(what, got, got if got in ("405", NOT_FOUND, SIGN_IN) else "405")
                    )
                else:
                    runner.record(what, response, writes, expected, persona, api_call=api_call,
                                  check_writes=False)  # fmt: skip
                if expected == OK and entry.get and persona in HOSTILE_QUERY_PERSONAS and not route.admin:
                    # The same page with another commune's ids in every filter a page reads from its query.
                    hostile = url + ("&" if "?" in url else "?") + runner.hostile_query
                    response, writes = runner.call(persona, "GET", hostile)
                    got = _outcome(response, api_call=api_call)
                    runner.record(f"GET {hostile} [{route.name}] as {persona}{scope}", response, 0,
                                  got if response.status_code < 500 else "no error", persona,
                                  api_call=api_call, check_writes=False)  # fmt: skip
                if route.admin or entry.rule in PUBLIC_RULES:
                    continue
                if entry.post_rule:
                    expected = runner.expect(entry, persona, case, api_call=api_call, admin_site=False,
                                             rule=entry.post_rule)  # fmt: skip
                elif expected == OK and entry.get and persona in READ_ONLY:
                    # A reader POSTs to a page it may read: no error, and no more written than its GET
                    # wrote (the audit of a view), for pages whose writers are fewer (else `post_rule`).
                    response, post_writes = runner.call(persona, "POST", url, data={})
                    got = _outcome(response, api_call=api_call)
                    what = f"POST {url} [{route.name}] as {persona}{scope}"
                    runner.results.answers.append(
                        Answer(what, got, got if int(response.status_code) < 500 else "no error",
                               max(0, post_writes - writes))
                    )  # fmt: skip
                    continue
                elif expected == OK and entry.get:
                    continue  # in scope, a view that also answers GET was just shown to answer
                # POST with an empty body: out of scope 404 and nothing written; in scope no error.
                response, writes = runner.call(persona, "POST", url, data={})
                got = _outcome(response, api_call=api_call)
                what = f"POST {url} [{route.name}] as {persona}{scope}"
                if expected == OK:
                    fine = got == OK or got in ("400", "405", "413", "422")
                    runner.results.answers.append(Answer(what, got, got if fine else "no error"))
                elif got == "405" and entry.get:
                    # a GET-only view refuses the method before it looks at the id; nothing written
                    runner.results.answers.append(Answer(what, got, got, writes))
                else:
                    runner.results.answers.append(Answer(what, got, expected, writes))


def _run_operations(runner: Runner, m: MatrixWorld) -> None:
    bodies = {
        "binhdan_assistant_api_ask": {"question": "Làm sao kích hoạt VNeID mức 2?"},
        "binhdan_fieldwork_api_push": {"records": []},
    }
    for operation, method, path in all_operations():
        entry = OPERATIONS[operation]
        runner.results.operations += 1
        for persona in [*PERSONAS, ANONYMOUS]:
            expected = runner.expect(entry, persona, None, api_call=True, admin_site=False)
            extra: dict[str, Any] = {}
            if method == "POST":
                extra = {"data": json.dumps(bodies.get(operation, {})), "content_type": "application/json"}
            response, writes = runner.call(persona, method, path, **extra)
            runner.record(f"{method} {path} [{operation}] as {persona}", response, writes, expected, persona,
                          api_call=True, check_writes=False)  # fmt: skip
            token = next(
                (c.obj for c in m.cases("_token_text") if persona in ("member_a",) and c.scope == "A"), None
            )
            if token:
                response, writes = runner.call(
                    ANONYMOUS, method, path, HTTP_AUTHORIZATION=f"Bearer {token}", **extra
                )
                runner.record(f"{method} {path} [{operation}] as member_a's token", response, writes, OK,
                              "member_a", api_call=True, check_writes=False)  # fmt: skip


def _import_batches(m: MatrixWorld) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from binhdan.registry.models import ImportBatch
    from binhdan.registry.tests import workbooks

    for scope, officer, commune in (
        ("A", m.world.officer, m.world.commune),
        ("C", m.world.other_officer, m.world.other_commune),
    ):
        client = signed_in_client(officer)
        data = workbooks.household_list_xlsx()
        response = client.post(
            reverse("registry:import_start"),
            {"file": SimpleUploadedFile("ds.xlsx", data), "commune": commune.pk},
        )
        assert response.status_code == 302, response.status_code
        m.add("import", scope, ImportBatch.objects.filter(commune=commune).latest("created_at"), commune)


@pytest.fixture(scope="module")
def matrix(django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: Any) -> Iterator[Results]:
    from django.test import override_settings

    results = Results()
    media = tmp_path_factory.mktemp("matrix-media")
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=str(media)), transaction.atomic():
        m = build_matrix_world()
        _import_batches(m)
        runner = Runner(m, results)
        try:
            _run_routes(runner, m)
            _run_operations(runner, m)
            if not ONLY or "api:push" in ONLY:
                _run_push_attacks(runner, m)
        finally:
            transaction.set_rollback(True)
            _dump(results)
    yield results


def _dump(results: Results) -> None:
    """ACCESS_MATRIX_DUMP=<file>: every answer, and the slowest URLs, for reading the matrix."""
    if os.environ.get("ACCESS_MATRIX_DUMP"):
        with open(os.environ["ACCESS_MATRIX_DUMP"], "w", encoding="utf-8") as out:
            for a in results.answers:
                out.write(f"{a.what}\t{a.got}\t{a.expected}\t{a.writes}\t{','.join(a.leaked)}\n")
            for url, seconds in sorted(results.seconds.items(), key=lambda kv: -kv[1])[:60]:
                out.write(f"TIME {seconds:.2f} {url}\n")


@pytest.mark.parametrize("persona", [*PERSONAS, ANONYMOUS])
def test_each_persona_gets_the_expected_answer_from_every_url_and_operation(matrix, persona):
    failures = matrix.failures(persona)
    assert not failures, f"{len(failures)} wrong answers for {persona}:\n" + "\n".join(failures)


def test_the_matrix_covers_every_route_and_operation(matrix):
    if ONLY:
        pytest.skip("ACCESS_MATRIX_ONLY runs part of the matrix")
    assert matrix.routes > 250 and matrix.operations >= 4
    # The leak check reads pages, JSON and workbooks: each shows the names in scope somewhere.
    seen = matrix.names_seen
    assert seen.get("text/html") and seen.get("application/json"), seen
    assert seen.get("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), seen
    assert matrix.requests > 3000


# --- the API's records: ids from another scope are rejected, never stored, never named back ---------


def _records(m: MatrixWorld, scope: str) -> list[dict[str, Any]]:
    import uuid

    from django.utils import timezone

    def of(kind: str) -> Any:
        return next(c.obj for c in m.cases(kind) if c.scope == scope)

    household, resident, held = of("household"), of("resident"), of("class")
    now = timezone.localtime() - dt.timedelta(minutes=1)
    return [
        {"uuid": str(uuid.uuid4()), "type": "visit", "data": {
            "household": household.pk, "visited_at": now.isoformat(), "minutes": 10, "channel": "door",
            "people": [{"resident": resident.pk, "skills": [], "status": {"smartphone": True}}]}},
        {"uuid": str(uuid.uuid4()), "type": "class_attendance", "data": {"class": held.pk, "residents": [resident.pk]}},
        {"uuid": str(uuid.uuid4()), "type": "resident_left", "data": {
            "resident": resident.pk, "left_on": timezone.localdate().isoformat(), "reason": "moved"}},
    ]  # fmt: skip


def of_scope(m: MatrixWorld, kind: str, scope: str) -> Any:
    return next(c.obj for c in m.cases(kind) if c.scope == scope)


def _run_push_attacks(runner: Runner, m: MatrixWorld) -> None:
    path = "/api/v1/sync/push"
    for persona, own in (("member_a", "A"), ("leader_a", "A"), ("member_b", "B")):
        for scope in ("A", "B", "C"):
            records = _records(m, scope)
            body = json.dumps({"records": records})
            response, writes = runner.call(persona, "POST", path, data=body, content_type="application/json")
            what = f"POST {path} [records of scope {scope}] as {persona}"
            answer = json.loads(response.body) if response.status_code == 200 else {}
            statuses = [r.get("status") for r in answer.get("results", [])]
            if scope == own:
                got = (
                    "created"
                    if statuses and statuses[0] == "created"
                    else f"{response.status_code} {statuses}"
                )
                runner.results.answers.append(Answer(what, got, "created"))
                continue
            got = (
                "rejected"
                if statuses == ["rejected"] * len(records)
                else f"{response.status_code} {statuses}"
            )
            named = {
                (key, error.get(key))
                for result in answer.get("results", [])
                for error in result.get("errors", [])
                for key in ("household", "resident")
                if error.get(key) is not None
            }
            runner.results.answers.append(Answer(what, got, "rejected", writes))
            # The phone's own ids may come back (it names the household from its copy:
            # test_sync_api); any other id would tell it something it did not have.
            sent = {
                ("household", of_scope(m, "household", scope).pk),
                ("resident", of_scope(m, "resident", scope).pk),
            }
            if named - sent:
                runner.results.named_back.append(f"{what}: the answer names {sorted(named - sent)}")


def test_a_push_answer_names_no_id_but_those_the_phone_sent(matrix):
    if ONLY and "api:push" not in ONLY:
        pytest.skip("ACCESS_MATRIX_ONLY runs part of the matrix")
    assert not matrix.named_back, "\n".join(matrix.named_back)
