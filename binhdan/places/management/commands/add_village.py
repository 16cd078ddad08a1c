from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from binhdan.places.models import Place
from binhdan.places.services import add_village


class Command(BaseCommand):
    help = "Thêm thôn, tổ dân phố vào một xã: add_village --commune 08866 'Thôn Đông' ['Thôn Tây' ...]"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--commune", required=True, help="mã xã, phường, đặc khu (5 chữ số)")
        parser.add_argument("names", nargs="+")

    def handle(self, *args: Any, **options: Any) -> None:
        commune = Place.objects.communes().filter(code=options["commune"]).first()
        if commune is None:
            raise CommandError(f"Không có xã mã {options['commune']}. Hãy chạy load_places trước.")
        for name in options["names"]:
            try:
                village = add_village(commune=commune, name=name)
            except ValidationError as exc:
                raise CommandError("; ".join(exc.messages)) from exc
            self.stdout.write(f"Đã thêm {village.name} (mã {village.code}).")
