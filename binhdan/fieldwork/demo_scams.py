"""The demo commune's scam reports and one warning (`load_demo`'s part, registered from `ready()`): a few
weeks of reports by residents through the public path, most about fake police and fake VNeID updates, and
a warning about the latter published to every village. A second run changes nothing."""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction

from binhdan.accounts.models import User
from binhdan.fieldwork import scams
from binhdan.fieldwork.demo import DEMO_COMMUNE_CODE
from binhdan.fieldwork.models_scams import ScamChannel, ScamPretext, ScamReport, ScamWarning
from binhdan.places.models import Place

OFFICER = "canbo.sondong"
DEMO_REPORTS = 18
WEEKS = 6
PRETEXTS = [ScamPretext.FAKE_POLICE] * 5 + [ScamPretext.FAKE_VNEID] * 6 + [
    ScamPretext.PRIZE, ScamPretext.LOAN, ScamPretext.DELIVERY, ScamPretext.ACQUAINTANCE,
]  # fmt: skip
CHANNELS = [ScamChannel.CALL] * 3 + [ScamChannel.ZALO, ScamChannel.SMS, ScamChannel.LINK]


@transaction.atomic
def demo_step(today: dt.date) -> str:
    commune = Place.objects.get(code=DEMO_COMMUNE_CODE)
    if ScamReport.objects.filter(commune=commune).exists():
        return f"Tin báo lừa đảo mẫu: {ScamReport.objects.filter(commune=commune).count()}."
    rng = random.Random(20261201)  # nosec B311  # reproducible demo data
    villages = list(Place.objects.villages().filter(parent=commune).order_by("code"))
    for _ in range(DEMO_REPORTS):
        lost = rng.random() < 0.2
        scams.record_resident_report(
            commune=commune, village=rng.choice(villages), channel=rng.choice(CHANNELS),
            pretext=rng.choice(PRETEXTS), amount_lost=rng.choice([2_000_000, 5_500_000, 12_000_000]) if lost else None,
            happened_on=today - dt.timedelta(days=rng.randint(0, WEEKS * 7 - 1)),
        )  # fmt: skip
    if not ScamWarning.objects.filter(commune=commune).exists():
        scams.publish_warning(
            by=User.objects.get(username=OFFICER), commune=commune,
            title="Cảnh giác cuộc gọi “cập nhật VNeID”",
            text="Công an không gọi điện bảo cập nhật, tích hợp VNeID hay cài ứng dụng qua đường link. "
            "Không bấm link lạ, không đọc mã OTP cho ai. Khi nghi ngờ, hãy hỏi Tổ công nghệ số của thôn.",
            pretext=ScamPretext.FAKE_VNEID,
        )  # fmt: skip
    return f"Tin báo lừa đảo mẫu: {DEMO_REPORTS}, 1 cảnh báo."
