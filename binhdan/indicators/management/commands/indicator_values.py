"""Print the indicators of a place on a day, or the ids behind one number (the pages' drill-down)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from binhdan.indicators import values
from binhdan.indicators.models import Indicator
from binhdan.places.models import Place
from binhdan.registry.catalogue import core_skills
from binhdan.registry.models import Skill


class Command(BaseCommand):
    help = "In số liệu chỉ tiêu của một địa bàn vào một ngày (--json), hoặc danh sách mã đứng sau một số (--list)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--place", required=True, help="Mã địa bàn (tỉnh, xã hoặc thôn).")
        parser.add_argument("--date", help="Ngày tính, YYYY-MM-DD (mặc định: hôm nay).")
        parser.add_argument("--json", action="store_true", help="In dạng JSON.")
        parser.add_argument("--indicator", help="Mã chỉ tiêu, dùng với --list.")
        parser.add_argument("--list", choices=values.PARTS, help="In mã hộ/người dân của tử số hoặc mẫu số.")

    def handle(self, *args: Any, **options: Any) -> None:
        place = Place.objects.filter(code=options["place"]).select_related("parent").first()
        if place is None:
            raise CommandError(f"Không có địa bàn mã “{options['place']}”.")
        try:
            day = dt.date.fromisoformat(options["date"]) if options["date"] else timezone.localdate()
        except ValueError as exc:
            raise CommandError(f"Ngày “{options['date']}” không hợp lệ (YYYY-MM-DD).") from exc
        commune = values.commune_of(place)
        if options["list"] or options["indicator"]:
            if not (options["list"] and options["indicator"]):
                raise CommandError("Dùng --indicator cùng với --list numerator|denominator.")
            indicator = Indicator.objects.for_commune(commune).filter(code=options["indicator"]).first()
            if indicator is None:
                raise CommandError(f"Không có chỉ tiêu “{options['indicator']}” cho địa bàn này.")
            if indicator.kind not in ("household", "resident"):
                raise CommandError("Chỉ tiêu này không tính trên hộ hay người dân, không có danh sách.")
            ids = list(values.ids_behind(place, day, indicator, options["list"]))
            if options["json"]:
                self.stdout.write(json.dumps({"place": place.code, "date": day.isoformat(),
                                              "indicator": indicator.code, "list": options["list"],
                                              "kind": indicator.kind, "ids": ids}))  # fmt: skip
            else:
                self.stdout.write("\n".join(str(i) for i in ids))
            return
        if commune is not None:
            skills = [s.code for s in core_skills(commune, day)]
        else:  # a province: the national default core set (each commune may have its own)
            skills = list(
                Skill.objects.national().filter(is_core=True, active=True).values_list("code", flat=True)
            )
        if options["json"]:
            self.stdout.write(json.dumps(values.values_as_json(place, day, skills), ensure_ascii=False))
            return
        self.stdout.write(f"{place} — ngày {day:%d/%m/%Y}")
        for v in values.values(place, day, with_pace=False):
            shown = f"{v.value}%" if v.value is not None else "—"
            self.stdout.write(
                f"{v.code:<16} {v.numerator:>8}/{v.denominator:<8} {shown:>7}  chỉ tiêu {v.target}%"
            )
