"""The demo commune's mobilisation drive (`load_demo`'s programmes part, registered from `ready()`).

A VNeID drive ("Mỗi công dân - Một danh tính số") held last Sunday in the first village, inviting residents
14+ without VNeID level 2; a third of them came and got level 2, written through the registry's path.
A second run changes nothing.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from binhdan.accounts.models import User
from binhdan.fieldwork.demo import DEMO_COMMUNE_CODE
from binhdan.places.models import Place
from binhdan.programmes import filters, services
from binhdan.programmes.catalogue import DEFAULT_BRING
from binhdan.programmes.models import Drive, DriveKind

OFFICER = "canbo.sondong"
DEMO_INVITEES = 24  # one village's list, a page of slips or four
CAME_EVERY = 3  # one invitee in three came and got level 2


def _last_sunday(today: dt.date) -> dt.date:
    return today - dt.timedelta(days=(today.weekday() + 1) % 7 or 7)


@transaction.atomic
def demo_step(today: dt.date) -> str:
    commune = Place.objects.get(code=DEMO_COMMUNE_CODE)
    if Drive.objects.filter(commune=commune).exists():
        return f"Đợt vận động mẫu: {Drive.objects.filter(commune=commune).count()}."
    officer = User.objects.get(username=OFFICER)
    village = Place.objects.villages().filter(parent=commune).order_by("code").first()
    assert village is not None
    held_on = _last_sunday(today)
    residents = list(
        filters.matching(filters.Rule.VNEID, commune=commune, day=held_on, villages=[village])
        .select_related("household")
        .order_by("sort_name", "pk")[:DEMO_INVITEES]
    )
    if not residents:
        return "Đợt vận động mẫu: không có ai cần mời."
    drive = services.create_drive(
        by=officer, commune=commune, villages=[village], residents=residents,
        data={"title": f"Ra quân “Mỗi công dân - Một danh tính số” tại {village.name}", "kind": DriveKind.VNEID,
              "held_on": held_on, "starts_at": dt.time(7, 30), "venue": f"Nhà văn hoá {village.name}",
              "what_to_bring": DEFAULT_BRING, "contact": officer},
        filter_used={"rule": filters.Rule.VNEID, "villages": [village.pk]},
    )  # fmt: skip
    invitees = list(drive.invitees.select_related("resident").order_by("pk"))
    results = [
        services.Result(
            invitee, came=index % CAME_EVERY == 0, vneid_level=2 if index % CAME_EVERY == 0 else None
        )
        for index, invitee in enumerate(invitees)
    ]
    services.record_results(by=officer, drive=drive, results=results)
    return f"Đợt vận động mẫu: 1 ({len(invitees)} người được mời)."
