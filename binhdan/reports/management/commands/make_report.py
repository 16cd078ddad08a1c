"""Make one report's document from the data: `make_report <kind> --place <code> --period <…> --format … --out FILE`.

- `commune-summary`: `--place` is the commune's code; `--period` a quarter (`2026-Q4`), a year (`2026`) or a
  day (`2026-11-30`, a report on request covering that day).
- `team-quarterly`: `--place` is the village's code (its team), or `--team <id>`; `--period` a quarter.
- `daily`: `--place` the village's code; `--period` the campaign day; the campaign is the one running in the
  commune that day (`--campaign <id>` when several run).
- `campaign`: `--place` the commune's code; `--period` any day of the campaign, or `--campaign <id>`.
`--as-of` fixes the reference date (default: the period's end, or today while it runs). When the same report
was submitted (its newest version is frozen) and no `--as-of` is given, its frozen document is printed;
otherwise the figures are built now and nothing is saved.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from binhdan.fieldwork.models import Campaign, Team
from binhdan.places.models import Level, Place
from binhdan.reports import documents, services
from binhdan.reports.models import TEAM_KINDS, Report, ReportKind
from binhdan.reports.periods import Period, parse_date, parse_period

FORMATS = ("docx", "pdf", "xlsx")


def _messages(exc: ValidationError) -> str:
    if hasattr(exc, "message_dict"):
        return " ".join(m for messages in exc.message_dict.values() for m in messages)
    return " ".join(exc.messages)


class Command(BaseCommand):
    help = "Lập tệp báo cáo (DOCX, PDF, XLSX) từ số liệu của một địa bàn và một kỳ."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=ReportKind.values, help="Loại báo cáo.")
        parser.add_argument("--place", help="Mã xã (báo cáo của xã) hoặc mã thôn (báo cáo của tổ).")
        parser.add_argument("--team", type=int, help="Mã số tổ (thay cho --place của thôn).")
        parser.add_argument("--campaign", type=int, help="Mã số chiến dịch.")
        parser.add_argument("--period", required=True, help="YYYY-MM-DD, YYYY-Qn hoặc YYYY.")
        parser.add_argument("--as-of", dest="as_of", help="Ngày tính số liệu, YYYY-MM-DD.")
        parser.add_argument("--format", dest="fmt", choices=FORMATS, default="docx")
        parser.add_argument("--out", required=True, help="Tệp ghi ra.")

    def handle(self, *args: Any, **options: Any) -> None:
        kind = options["kind"]
        try:
            period = parse_period(options["period"])
            as_of = parse_date(options["as_of"], field="ngày tính số liệu") if options["as_of"] else None
        except ValidationError as exc:
            raise CommandError(_messages(exc)) from exc
        commune, team = self._place_and_team(kind, options)
        campaign = self._campaign(kind, commune, period, options["campaign"])
        if kind == ReportKind.CAMPAIGN and campaign is not None:
            period = services.campaign_period(campaign)
        report = None if as_of else self._frozen(kind, commune, period, team, campaign)
        if report is None:
            try:
                report = services.prepare_report(
                    kind=kind, commune=commune, period=period, as_of=as_of, team=team, campaign=campaign
                )
            except ValidationError as exc:
                raise CommandError(_messages(exc)) from exc
        try:
            data = documents.render(report, options["fmt"])
        except documents.DocumentError as exc:
            raise CommandError(str(exc)) from exc
        Path(options["out"]).write_bytes(data)
        state = (
            f"bản đã {report.get_status_display().lower()} (phiên bản {report.version})"
            if report.pk
            else "số liệu lập lúc " + timezone.localtime().strftime("%H:%M %d/%m/%Y")
        )
        size = f"{len(data):,}".replace(",", ".")
        about = f" «{report.campaign.name}»" if report.campaign is not None else ""
        self.stdout.write(
            f"{report.get_kind_display()}{about} — {report.period_label}, số liệu đến ngày {report.as_of:%d/%m/%Y}; "
            f"{state}: {options['out']} ({size} byte)"
        )

    def _place_and_team(self, kind: str, options: dict[str, Any]) -> tuple[Place, Team | None]:
        if kind in TEAM_KINDS:
            if options["team"] is not None:
                team = Team.objects.select_related("village__parent").filter(pk=options["team"]).first()
                if team is None:
                    raise CommandError(f"Không có tổ mã số {options['team']}.")
                return team.village.parent, team  # type: ignore[return-value]
            village = Place.objects.filter(code=options["place"] or "", level=Level.VILLAGE).first()
            if village is None:
                raise CommandError("Báo cáo của tổ cần --place là mã thôn (hoặc --team).")
            found = (
                Team.objects.filter(village=village).select_related("village__parent").order_by("pk").first()
            )
            if found is None:
                raise CommandError(f"{village.name} chưa có Tổ công nghệ số cộng đồng.")
            return village.parent, found  # type: ignore[return-value]
        commune = (
            Place.objects.filter(code=options["place"] or "", level=Level.COMMUNE)
            .select_related("parent")
            .first()
        )
        if commune is None:
            raise CommandError(f"Không có xã, phường mã “{options['place']}”.")
        return commune, None

    def _campaign(self, kind: str, commune: Place, period: Period, pk: int | None) -> Campaign | None:
        if kind not in (ReportKind.DAILY, ReportKind.CAMPAIGN):
            return None
        campaigns = Campaign.objects.filter(commune=commune)
        if pk is not None:
            found = campaigns.filter(pk=pk).first()
            if found is None:
                raise CommandError(f"{commune.name} không có chiến dịch mã số {pk}.")
            return found
        running = list(campaigns.running_on(period.start)[:2])
        if not running:
            raise CommandError(f"Ngày {period.start:%d/%m/%Y} {commune.name} không có chiến dịch nào.")
        if len(running) > 1:
            raise CommandError("Ngày này có nhiều chiến dịch: hãy chọn bằng --campaign.")
        return running[0]

    def _frozen(
        self, kind: str, commune: Place, period: Period, team: Team | None, campaign: Campaign | None
    ) -> Report | None:
        found = services.existing(kind, commune, period, team, campaign)
        return found if found is not None and found.frozen else None
