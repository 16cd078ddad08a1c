"""Each commune's catalogue reaches its own phones and forms: its own skills, not what it hides or others own."""

from django.utils import timezone

from binhdan.fieldwork import sync
from binhdan.fieldwork.forms import active_skills
from binhdan.registry import catalogue
from binhdan.registry.models import Skill, SkillDomain


def _first_page_skills(user):
    return {s["code"]: s["core"] for s in sync.pull(user=user, since=None)["skills"]}


def test_the_phone_and_forms_get_the_communes_catalogue_only(world):
    today = timezone.localdate()
    ours = catalogue.add_commune_skill(
        by=world.officer,
        commune=world.commune,
        name="Dùng ứng dụng Sơn Đông số",
        domain=SkillDomain.GOVERNMENT,
    )
    theirs = catalogue.add_commune_skill(
        by=world.other_officer,
        commune=world.other_commune,
        name="Kỹ năng riêng của xã khác",
        domain=SkillDomain.SAFETY,
    )
    national = Skill.objects.national().filter(active=True, is_core=False).order_by("position").first()
    catalogue.set_hidden_skills(
        by=world.officer, commune=world.commune, skills=[national], effective_on=today
    )
    catalogue.set_core_set(
        by=world.officer,
        commune=world.commune,
        skills=[*catalogue.core_skills(world.commune), ours],
        effective_on=today,
    )

    sent = _first_page_skills(world.member_a)
    assert sent[ours.code] is True  # the commune made its own skill part of its core set
    assert theirs.code not in sent and national.code not in sent
    offered = set(active_skills(world.member_a))
    assert ours in offered and theirs not in offered and national not in offered

    # The other commune's officer gets its own skill and the national one we hid, not ours.
    elsewhere = _first_page_skills(world.other_officer)
    assert theirs.code in elsewhere and national.code in elsewhere and ours.code not in elsewhere


def test_a_visit_may_record_only_its_own_communes_skills(world):
    from binhdan.fieldwork.tests.test_sync_api import visit

    ours = catalogue.add_commune_skill(
        by=world.officer,
        commune=world.commune,
        name="Dùng ứng dụng Sơn Đông số",
        domain=SkillDomain.GOVERNMENT,
    )
    theirs = catalogue.add_commune_skill(
        by=world.other_officer,
        commune=world.other_commune,
        name="Kỹ năng riêng của xã khác",
        domain=SkillDomain.SAFETY,
    )
    records = []
    for skill in (ours, theirs):
        record = visit(world)
        record["data"]["people"][0]["skills"] = [{"skill": skill.code, "outcome": "guided"}]
        records.append(record)
    answers = sync.push(user=world.member_a, records=records)
    assert answers[0]["status"] == "created"
    assert answers[1]["status"] == "rejected"
    assert answers[1]["errors"][0]["field"] == "people[0].skills[0].skill"
    assert answers[1]["errors"][0]["message"] == f"Không có kỹ năng mã “{theirs.code}”."
