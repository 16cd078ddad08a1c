"""The demo commune's device donations (`load_demo`'s part, registered from `ready()`): a business gives two
smartphones to poor households without a device and a SIM to a third; one follow-up is due. A second run
changes nothing."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from binhdan.accounts.models import User
from binhdan.donations import services
from binhdan.donations.models import Donation, DonorKind, ItemKind
from binhdan.fieldwork.demo import DEMO_COMMUNE_CODE
from binhdan.places.models import Place
from binhdan.registry.models import Household

OFFICER = "canbo.sondong"
FOLLOW_UP_DAYS = 14


@transaction.atomic
def demo_step(today: dt.date) -> str:
    commune = Place.objects.get(code=DEMO_COMMUNE_CODE)
    if Donation.objects.filter(donor__commune=commune).exists():
        return f"Trao tặng thiết bị mẫu: {Donation.objects.filter(donor__commune=commune).count()}."
    officer = User.objects.get(username=OFFICER)
    donor = services.save_donor(
        by=officer, commune=commune, name="Chi nhánh Viettel Phú Thọ", kind=DonorKind.BUSINESS,
        contact="Phòng Khách hàng doanh nghiệp",
    )  # fmt: skip
    homes = list(
        Household.objects.filter(
            village__parent=commune, left_on__isnull=True, is_poor=True, no_smart_device=True
        ).order_by("village__code", "pk")[:3]
    )
    given = dt.date.fromordinal(today.toordinal() - 10)
    for index, home in enumerate(homes):
        recipient = (
            home.residents.filter(erased_at__isnull=True, left_on__isnull=True).order_by("birth_year").last()
        )
        services.record_donation(
            by=officer, commune=commune, donor=donor, household=home, given_on=given,
            item_kind=ItemKind.SIM if index == 2 else ItemKind.SMARTPHONE, quantity=1,
            value_vnd=50_000 if index == 2 else 1_500_000, recipient=recipient,
            description="Chương trình “Chắp cánh công nghệ”",
            follow_up_on=given + dt.timedelta(days=FOLLOW_UP_DAYS),
        )  # fmt: skip
    return f"Trao tặng thiết bị mẫu: {len(homes)}."
