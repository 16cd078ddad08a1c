"""E-mail reminders of the reports due soon or overdue (issue 11 point 5), one mail per person per day.

Each team's reports go to its leaders (a current team-leader role over the team's village, or an open
`TeamMembership` as tổ trưởng), the commune's own reports to its officers; only active users with an e-mail
address. A report is reminded from `remind_days_before` days before its due day (the commune's `DueRule`)
until it is sent, and for `deadlines.REMIND_OVERDUE_FOR_DAYS` days after the due day.

What was sent is remembered in the audit log (`object_type` "ReportReminder", the recipient's id, the day
in the detail), so running the command twice a day mails nobody twice; `--dry-run` sends and records nothing.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from binhdan.accounts.audit import record_event
from binhdan.accounts.models import AuditEvent, Role, RoleKind, User
from binhdan.fieldwork.models import Team, TeamMembership, TeamRole
from binhdan.places.models import Place
from binhdan.reports import deadlines
from binhdan.reports.periods import parse_date

AUDIT_TYPE = "ReportReminder"
BATCH_COMMUNES = 200  # communes read together (a fixed number of queries per batch)


def sent_detail(day: dt.date) -> str:
    """The audit detail that marks "reminded on this day" (ids and dates only)."""
    return f"Nhắc hạn nộp báo cáo ngày {day.isoformat()}"


@dataclass
class Letter:
    user: User
    items: list[deadlines.Expected] = field(default_factory=list)
    communes: dict[int, Place] = field(default_factory=dict)


def _when(e: deadlines.Expected) -> str:
    if e.overdue:
        return f"hạn nộp {e.due_on:%d/%m/%Y}, đã quá hạn {e.days} ngày"
    if e.days == 0:
        return f"hạn nộp hôm nay, {e.due_on:%d/%m/%Y}"
    return f"hạn nộp {e.due_on:%d/%m/%Y}, còn {e.days} ngày"


def _body(letter: Letter, day: dt.date) -> str:
    lines = [
        f"Kính gửi {letter.user.display_name},",
        "",
        f"Tính đến ngày {day:%d/%m/%Y}, các báo cáo sau chưa được nộp:",
        "",
    ]
    for e in letter.items:
        lines.append(f"- {e.kind_label} của {e.owner}, kỳ {e.period.label}: {_when(e)}.")
    lines += ["", "Xem hạn nộp và tình trạng các báo cáo:"]
    base = str(getattr(settings, "SITE_URL", "")).rstrip("/")
    for commune in letter.communes.values():
        lines.append(f"- {commune.name}: {base}{reverse('reports:deadlines', args=[commune.pk])}")
    lines += [
        "",
        "Báo cáo đã nộp hoặc đã duyệt thì không cần làm gì thêm; bản nháp cần được nộp.",
        "",
        "Thư này do hệ thống binhdan gửi tự động, mỗi ngày nhiều nhất một thư.",
    ]
    return "\n".join(lines)


def _subject(letter: Letter) -> str:
    overdue = sum(e.overdue for e in letter.items)
    count = len(letter.items)
    places = ", ".join(c.name for c in letter.communes.values())
    if overdue:
        return f"[binhdan] {count} báo cáo cần nộp ({overdue} quá hạn) — {places}"
    return f"[binhdan] Nhắc hạn nộp {count} báo cáo — {places}"


class Command(BaseCommand):
    help = "Gửi thư nhắc hạn nộp báo cáo cho tổ trưởng và cán bộ xã (mỗi người nhiều nhất một thư mỗi ngày)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", help="Ngày tính hạn, YYYY-MM-DD (mặc định: hôm nay).")
        parser.add_argument("--dry-run", action="store_true", help="Chỉ in ai sẽ nhận thư, không gửi.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            day = parse_date(options["date"], field="ngày") if options["date"] else timezone.localdate()
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        dry_run = options["dry_run"]
        letters = self._letters(day)
        already = set(
            AuditEvent.objects.filter(
                object_type=AUDIT_TYPE, detail__startswith=sent_detail(day)
            ).values_list("object_id", flat=True)
        )
        sent = skipped = failed = 0
        for letter in sorted(letters.values(), key=lambda x: x.user.pk):
            if str(letter.user.pk) in already:
                skipped += 1
                continue
            letter.items.sort(key=deadlines.Expected.sort_key)
            if dry_run:
                self.stdout.write(f"{letter.user.username} <{letter.user.email}>: {_subject(letter)}")
                sent += 1
                continue
            try:
                send_mail(
                    _subject(letter),
                    _body(letter, day),
                    settings.DEFAULT_FROM_EMAIL,
                    [letter.user.email],
                    fail_silently=False,
                )
            except Exception as exc:  # one bad address must not stop the others
                failed += 1
                self.stderr.write(f"Không gửi được thư cho {letter.user.username}: {exc}")
                continue
            first = next(iter(letter.communes.values()))
            record_event(
                user=None,
                action=AuditEvent.Action.CHANGE,
                place=first,
                object_type=AUDIT_TYPE,
                object_id=str(letter.user.pk),
                detail=f"{sent_detail(day)}: {len(letter.items)} báo cáo",
            )
            sent += 1
        verb = "Sẽ gửi" if dry_run else "Đã gửi"
        self.stdout.write(
            f"{verb} {sent} thư nhắc hạn nộp báo cáo ngày {day:%d/%m/%Y}"
            f"; {skipped} người đã nhận thư hôm nay; {failed} thư không gửi được."
        )

    def _letters(self, day: dt.date) -> dict[int, Letter]:
        """{user id: their letter}, over every commune valid on `day`, a batch of communes at a time."""
        letters: dict[int, Letter] = {}
        communes = list(Place.objects.communes().valid_on(day).order_by("pk"))
        for start in range(0, len(communes), BATCH_COMMUNES):
            batch = communes[start : start + BATCH_COMMUNES]
            due = {
                pk: [e for e in found if e.needs_reminder]
                for pk, found in deadlines._expected_for(batch, day).items()
            }
            villages = {e.team.village_id for found in due.values() for e in found if e.team is not None}
            team_ids = {e.team.pk for found in due.values() for e in found if e.team is not None}
            commune_ids = {pk for pk, found in due.items() if any(e.team is None for e in found)}
            if not (villages or commune_ids):
                continue
            leaders, officers = self._recipients(villages, team_ids, commune_ids)
            for found in due.values():
                for e in found:
                    users = leaders[e.team.pk] if e.team is not None else officers[e.commune.pk]
                    for user in users:
                        letter = letters.setdefault(user.pk, Letter(user))
                        letter.items.append(e)
                        letter.communes.setdefault(e.commune.pk, e.commune)
        return letters

    def _recipients(
        self, villages: set[int], team_ids: set[int], commune_ids: set[int]
    ) -> tuple[dict[int, list[User]], dict[int, list[User]]]:
        """({team id: its leaders}, {commune id: its officers}), users with an e-mail address only."""
        reachable = Q(user__is_active=True) & ~Q(user__email="")
        leaders: dict[int, dict[int, User]] = defaultdict(dict)
        officers: dict[int, dict[int, User]] = defaultdict(dict)
        for membership in (
            TeamMembership.objects.filter(team_id__in=team_ids, role=TeamRole.LEADER, left_on__isnull=True)
            .filter(reachable)
            .select_related("user")
        ):
            leaders[membership.team_id][membership.user_id] = membership.user
        team_of_village = dict(Team.objects.filter(village_id__in=villages).values_list("village_id", "pk"))
        roles = (
            Role.objects.current()
            .filter(reachable)
            .filter(
                Q(kind=RoleKind.TEAM_LEADER, place_id__in=villages)
                | Q(kind=RoleKind.COMMUNE_OFFICER, place_id__in=commune_ids)
            )
            .select_related("user")
        )
        for role in roles:
            if role.kind == RoleKind.TEAM_LEADER:
                team_id = team_of_village.get(role.place_id or 0)
                if team_id is not None:
                    leaders[team_id][role.user_id] = role.user
            else:
                officers[role.place_id][role.user_id] = role.user  # type: ignore[index]
        return (
            defaultdict(list, {k: list(v.values()) for k, v in leaders.items()}),
            defaultdict(list, {k: list(v.values()) for k, v in officers.items()}),
        )
