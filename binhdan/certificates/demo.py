"""The demo commune's certificates (`load_demo`'s part, registered from `ready()`): the attendees of the
latest class held in the demo get their completion papers. A second run changes nothing."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from binhdan.accounts.models import User
from binhdan.certificates import services
from binhdan.certificates.models import Certificate
from binhdan.fieldwork.demo import DEMO_COMMUNE_CODE
from binhdan.fieldwork.models import CommunityClass
from binhdan.places.models import Place

OFFICER = "canbo.sondong"


@transaction.atomic
def demo_step(today: dt.date) -> str:
    commune = Place.objects.get(code=DEMO_COMMUNE_CODE)
    held = Certificate.objects.filter(community_class__place__parent=commune) | Certificate.objects.filter(
        community_class__place=commune
    )
    if held.exists():
        return f"Giấy chứng nhận mẫu: {held.count()}."
    latest = (
        CommunityClass.objects.filter(place__parent=commune, held_on__lte=today, attendance__isnull=False)
        .order_by("-held_on", "-pk")
        .first()
    )
    if latest is None:
        return "Giấy chứng nhận mẫu: chưa có lớp nào có người dự."
    issued = services.issue_certificates(
        by=User.objects.get(username=OFFICER),
        community_class=latest,
        residents=services.attendees_without_certificate(latest),
        issued_on=today,
    )
    return f"Giấy chứng nhận mẫu: {len(issued)} (lớp “{latest.title}”)."
