import datetime as dt
import uuid

from django.urls import reverse
from django.utils import timezone

from binhdan.fieldwork import sync
from binhdan.fieldwork.models import Campaign, Visit
from binhdan.testing.personas import make_household


def test_team_leader_assigns_households_and_phones_see_the_change(world, client_for):
    extra = [make_household(world.village_a, f"Nguyễn Văn Phân {i}") for i in range(3)]
    client = client_for(world.leader_a)
    url = reverse("fieldwork:assignments", args=[world.team_a.pk])
    page = client.get(url).content.decode()
    assert "mới phụ trách 0/10 hộ" in page and "Nguyễn Văn Phân 1" in page
    response = client.post(
        url + "?loc=chua", {"member": world.member_a.pk, "households": [h.pk for h in extra]}
    )
    assert response.status_code == 302
    assert set(world.member_a.assigned_households.values_list("pk", flat=True)) == {h.pk for h in extra}
    pulled = sync.pull(user=world.member_a, since=None)
    assert {h["id"] for h in pulled["households"] if h["assigned_to_me"]} == {h.pk for h in extra}


def test_assignment_errors_are_shown_and_nothing_changes(world, client_for):
    client = client_for(world.leader_a)
    url = reverse("fieldwork:assignments", args=[world.team_a.pk])
    empty = client.post(url, {"member": world.member_a.pk})
    assert "Hãy chọn ít nhất một hộ." in empty.content.decode()
    foreign = client.post(url, {"member": world.member_b.pk, "households": [world.household_a.pk]})
    assert foreign.status_code == 200
    world.household_a.refresh_from_db()
    assert world.household_a.assigned_member is None


def test_only_the_team_leader_and_officers_assign(world, client_for):
    url = reverse("fieldwork:assignments", args=[world.team_a.pk])
    assert client_for(world.officer).get(url).status_code == 200
    for persona in ("member_a", "member_b", "leader", "province_officer", "other_officer"):
        assert client_for(world.personas()[persona]).get(url).status_code == 404, persona


def test_campaign_mode_counts_todays_work_per_team(world, client_for):
    today = timezone.localdate()
    campaign = Campaign.objects.create(
        name="Đi từng ngõ, gõ từng nhà",
        commune=world.commune,
        starts_on=today - dt.timedelta(days=5),
        ends_on=today + dt.timedelta(days=5),
    )
    record = {
        "uuid": str(uuid.uuid4()),
        "type": "visit",
        "data": {
            "household": world.household_a.pk,
            "visited_at": timezone.localtime().replace(microsecond=0).isoformat(),
            "minutes": 15,
            "channel": "door",
            "people": [
                {
                    "resident": world.resident_a.pk,
                    "skills": [{"skill": "thanh-toan-qr", "outcome": "mastered"}],
                }
            ],
        },
    }
    assert sync.push(user=world.member_a, records=[record])[0]["status"] == "created"
    assert Visit.objects.get().campaign == campaign
    page = (
        client_for(world.leader)
        .get(reverse("fieldwork:campaign_detail", args=[campaign.pk]))
        .content.decode()
    )
    assert "Thôn Đông</td><td>1</td><td>1</td><td>1</td><td>1/1</td>" in page.replace("\n", "")
    assert (
        client_for(world.other_officer)
        .get(reverse("fieldwork:campaign_detail", args=[campaign.pk]))
        .status_code
        == 404
    )


def test_commune_page_lists_classes_and_mentors_below_five(world, client_for):
    from binhdan.fieldwork.models import CommunityClass, Mentor, Mentorship, Training

    CommunityClass.objects.create(
        title="Lớp VNeID cho người cao tuổi",
        place=world.village_a,
        held_on=timezone.localdate(),
        audience="elderly",
    )
    mentor = Mentor.objects.create(
        commune=world.commune, user=world.member_a, started_on=timezone.localdate()
    )
    Mentorship.objects.create(mentor=mentor, mentee=world.resident_a, started_on=timezone.localdate())
    training = Training.objects.create(
        title="Tập huấn VNeID", commune=world.commune, held_on=timezone.localdate()
    )
    training.attendees.add(world.member_a)
    page = (
        client_for(world.officer)
        .get(reverse("fieldwork:commune_detail", args=[world.commune.pk]))
        .content.decode()
    )
    assert "Lớp VNeID cho người cao tuổi" in page and "chưa đủ 5" in page
    team_page = (
        client_for(world.leader_a)
        .get(reverse("fieldwork:team_detail", args=[world.team_a.pk]))
        .content.decode()
    )
    assert "Đã tập huấn (1 buổi)" in team_page and "Chưa tập huấn" in team_page
    # Province officers see classes but never mentors' names.
    province = (
        client_for(world.province_officer)
        .get(reverse("fieldwork:commune_detail", args=[world.commune.pk]))
        .content.decode()
    )
    assert "Đại sứ số" not in province


def test_commune_page_title_is_the_commune_name_only(world, client_for):
    from binhdan.fieldwork.models import CommunityClass

    CommunityClass.objects.create(
        title="Lớp VNeID cho người cao tuổi", place=world.village_a, held_on=timezone.localdate()
    )
    page = (
        client_for(world.officer)
        .get(reverse("fieldwork:commune_detail", args=[world.commune.pk]))
        .content.decode()
    )
    title = page.split("<title>", 1)[1].split("</title>", 1)[0]
    assert title == f"{world.commune.name} — Bình dân học vụ số"
    # The classes block is in the page body once, not in the title.
    assert page.count("<h2>Buổi học cộng đồng</h2>") == 1
