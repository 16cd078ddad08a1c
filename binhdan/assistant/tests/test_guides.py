from binhdan.assistant.guides import (
    SECTION_STEPS,
    TOPICS,
    all_guides,
    by_short_code,
    load_guides,
    parse_guide,
)
from binhdan.registry.skills_seed import SKILLS

SKILL_CODES = {code for code, *_ in SKILLS}


def test_every_guide_loads_with_steps_and_known_topics():
    guides = load_guides()
    assert len(guides) >= 40
    for guide in guides:
        assert guide.topics, guide.id
        assert set(guide.topics) <= set(TOPICS), guide.id
        assert guide.steps, f"{guide.id} has no '{SECTION_STEPS}' list"


def test_short_codes_are_unique_and_lead_back_to_the_guide():
    guides = list(all_guides().values())
    assert len({g.short for g in guides}) == len(guides)
    for guide in guides[:5]:
        assert by_short_code(guide.short.upper()) == guide


def test_a_guide_missing_optional_fields_still_loads(tmp_path):
    path = tmp_path / "thu.md"
    path.write_text(
        "---\ntitle: Thử\ntopics: mang-xa-hoi\n---\n## Các bước\n\n1. Mở Zalo.\n   Bấm nút.\n", "utf-8"
    )
    guide = parse_guide(path)
    assert guide.id == "thu"
    assert guide.topics == ("mang-xa-hoi",)
    assert guide.questions == ()
    assert guide.steps == ["Mở Zalo. Bấm nút."]


def test_guides_name_skills_from_the_catalogue():
    unknown = {(g.id, s) for g in all_guides().values() for s in g.skills if s not in SKILL_CODES}
    assert not unknown
