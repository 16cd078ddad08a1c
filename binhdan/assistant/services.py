"""The assistant's operations: answer a question, hand out learner codes, recommend, record progress."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from binhdan.accounts.models import Role, RoleKind
from binhdan.assistant import conversation as conversations
from binhdan.assistant import llm, questions
from binhdan.assistant.guides import Guide, all_guides, get_guide
from binhdan.assistant.models import GuideRead, QuizAttempt
from binhdan.assistant.quiz import PASS_SHARE, grade, questions_for
from binhdan.assistant.retrieval import Ranking, get_index
from binhdan.assistant.safety import safe_lines
from binhdan.common.text import nfc
from binhdan.places.models import Place
from binhdan.registry.models import Resident, Skill, SkillLevel, Source
from binhdan.registry.services import record_skill, skills_as_of

MAX_QUESTION_CHARS = 2000
RESULT_COUNT = 5
SAFETY_REMINDER = "Không đọc mã OTP, mật khẩu cho bất kỳ ai, kể cả người xưng là công an, ngân hàng."
NOT_SURE = (
    "Tôi chưa chắc hiểu đúng câu hỏi của bạn nên không muốn đoán. "
    "Bạn hãy hỏi trực tiếp Tổ công nghệ số cộng đồng ở thôn: {contact}."
)
OFF_TOPIC = (
    "Câu hỏi này nằm ngoài những việc tôi hướng dẫn (dùng điện thoại, VNeID, dịch vụ công, thanh toán, "
    "phòng lừa đảo…). Bạn có thể hỏi Tổ công nghệ số cộng đồng ở thôn: {contact}."
)
DEFAULT_CONTACT = "tổ trưởng Tổ công nghệ số cộng đồng ở thôn, xóm của bạn, hoặc công an xã"


@dataclass
class Answer:
    question: str
    confident: bool
    answer: str
    results: list[dict[str, Any]]
    ms: float
    scam: bool = False
    rephrased: bool = False
    guide: Guide | None = None  # the guide whose steps the answer gives, if any
    contact: str = ""
    recommendations: list[Guide] = field(default_factory=list)
    conversation: str = ""  # the key to send with the next question
    follow_up: bool = False  # answered from the guide in hand
    step: int | None = None  # the step a follow-up asked for
    commune: Place | None = None  # whose logging and feedback this answer counts towards (not shown)
    logged: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "confident": self.confident,
            "answer": self.answer,
            "results": self.results,
            "ms": round(self.ms, 2),
            "scam": self.scam,
            "rephrased": self.rephrased,
            "contact": self.contact,
            "recommendations": [{"guide": g.id, "title": g.title} for g in self.recommendations],
            "conversation": self.conversation,
            "follow_up": self.follow_up,
            "step": self.step,
            "guide": self.guide.id if self.guide else None,
        }


def village_contact(resident: Resident | None = None) -> str:
    """Who to ask in person: the resident's team leader (name, phone) when known, else a general pointer."""
    configured = getattr(settings, "ASSISTANT_CONTACT", "")
    if resident is not None:
        roles = (
            Role.objects.current()
            .filter(place_id=resident.household.village_id, kind__in=[RoleKind.TEAM_LEADER, RoleKind.MEMBER])
            .select_related("user")
            .order_by("-kind", "pk")  # "team_leader" > "member": the leader first
        )
        for role in roles:
            user = role.user
            if user.is_active and user.phone:
                return f"{user.display_name}, điện thoại {user.phone}"
    return configured or DEFAULT_CONTACT


def guide_answer_text(guide: Guide, *, scam: bool = False) -> str:
    """The steps of one guide as plain text, safe to read aloud."""
    lines = [guide.title]
    if guide.summary:
        lines.append(guide.summary)
    steps = safe_lines(guide.steps)
    if steps:
        lines.append("Các bước:")
        lines.extend(f"{n}. {step}" for n, step in enumerate(steps, start=1))
    safety = safe_lines(guide.safety)
    if scam or guide.is_safety or safety:
        lines.append("Lưu ý: " + (safety[0] if safety else SAFETY_REMINDER))
    return "\n".join(lines)


def _result_rows(ranking: Ranking) -> list[dict[str, Any]]:
    return [
        {
            "guide": s.guide.id,
            "title": s.guide.title,
            "topics": list(s.guide.topics),
            "score": round(s.relevance, 4),
        }
        for s in ranking.results
    ]


def ask(
    *,
    question: str,
    learner_code: str | None = None,
    rephrase: bool = True,
    conversation: str | None = None,
    commune: Place | None = None,
    remember: bool = True,
) -> Answer:
    """Answer one question: the best guide's steps when confident, else an honest "not sure" and a contact.

    With a `conversation` key whose guide is in hand, a follow-up ("còn bước 3 thì sao?") is answered
    from that guide. The question is logged (scrubbed) only when the commune — the learner's, else
    `commune` — switched logging on. `remember=False` (measurements, `assistant_eval`) writes nothing: no
    conversation, no log."""
    index = get_index()  # built once per process; not part of the time to answer
    started = time.perf_counter()
    # A NUL is no letter, and no PostgreSQL text column (the conversation, the question log) stores it.
    question = nfc(question).replace("\x00", " ")[:MAX_QUESTION_CHARS]
    resident = learner_by_code(learner_code) if learner_code else None
    if resident is not None:
        commune = resident.household.village.commune or commune
    current = conversations.load(conversation)
    if current is not None and commune is None:
        commune = current.commune
    in_hand = get_guide(current.guide_id) if current is not None and current.guide_id else None
    contact = village_contact(resident)
    ranking = index.rank(question, limit=RESULT_COUNT)
    answer: Answer | None = None
    if in_hand is not None and (
        conversations.is_follow_up(question) or (conversations.is_short(question) and not ranking.confident)
    ):
        reply = conversations.answer_from_guide(question, in_hand)
        if reply is not None:
            answer = Answer(
                question=question,
                confident=True,
                answer=reply.text,
                results=[
                    {
                        "guide": in_hand.id,
                        "title": in_hand.title,
                        "topics": list(in_hand.topics),
                        "score": 1.0,
                    }
                ],
                ms=0.0,
                guide=in_hand,
                contact=contact,
                follow_up=True,
                step=reply.step,
            )
        elif not ranking.confident and current is not None and current.last_question:
            # "nếu không có …" that the guide does not cover: rank it together with the question before.
            combined = index.rank(f"{current.last_question} {question}", limit=RESULT_COUNT)
            if combined.confident:
                ranking = combined
    if answer is None:
        answer = _ranked_answer(question, ranking, contact)
    if resident is not None:
        answer.recommendations = recommend_guides(resident=resident, limit=3)
    if rephrase and not answer.follow_up and answer.guide is not None and llm.is_enabled():
        better = llm.rephrase(
            question=question, guides=[s.guide for s in ranking.results[:2]], plain_answer=answer.answer
        )
        if better:
            answer.answer, answer.rephrased = better, True
    top_guide = answer.guide.id if answer.guide else (answer.results[0]["guide"] if answer.results else "")
    answer.commune = commune
    if remember:
        saved = conversations.save(
            current, guide_id=answer.guide.id if answer.guide else "", question=question, commune=commune
        )
        answer.conversation = saved.key
        answer.logged = questions.log_question(
            commune=commune, question=question, guide_id=top_guide, confident=answer.confident
        )
    answer.ms = (time.perf_counter() - started) * 1000
    return answer


def _ranked_answer(question: str, ranking: Ranking, contact: str) -> Answer:
    guide: Guide | None = None
    if ranking.confident and ranking.results:
        guide = ranking.results[0].guide
        text = guide_answer_text(guide, scam=ranking.scam)
        related = [s.guide.title for s in ranking.results[1:3]]
        if related:
            text += "\nXem thêm: " + "; ".join(related) + "."
    elif ranking.on_topic and ranking.results:
        text = NOT_SURE.format(contact=contact)
        text += "\nCó thể bạn muốn xem: " + "; ".join(s.guide.title for s in ranking.results[:3]) + "."
    else:
        text = OFF_TOPIC.format(contact=contact)
    return Answer(
        question=question,
        confident=ranking.confident,
        answer=text,
        results=_result_rows(ranking),
        ms=0.0,
        scam=ranking.scam,
        guide=guide,
        contact=contact,
    )


# -- learners -------------------------------------------------------------------------------------------


def normalise_code(code: str | None) -> str:
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())[:12]


def learner_by_code(code: str | None) -> Resident | None:
    """The active resident holding this learner code, or None."""
    code = normalise_code(code)
    if len(code) < 4:
        return None
    return Resident.objects.active().select_related("household").filter(learner_code=code).first()


@transaction.atomic
def issue_learner_code(*, by: Any, resident: Resident) -> str:
    """Give the resident a learner code (kept if they already have one); the member hands it over on paper."""
    if resident.learner_code:
        return resident.learner_code
    for _ in range(10):
        code = Resident.new_learner_code()
        if Resident.objects.filter(learner_code=code).exists():
            continue
        try:
            with transaction.atomic():
                Resident.objects.filter(pk=resident.pk, learner_code="").update(learner_code=code)
        except IntegrityError:  # another request took the same code at the same moment
            continue
        resident.refresh_from_db(fields=["learner_code"])
        return resident.learner_code
    raise RuntimeError("could not find a free learner code")


@dataclass
class SkillGap:
    skill: Skill
    level: int
    guides: list[Guide]
    has_quiz: bool
    last_attempt: QuizAttempt | None = None


def skill_gaps(*, resident: Resident, day: dt.date | None = None) -> list[SkillGap]:
    """Active skills the resident has not mastered, core skills first, each with its guides."""
    day = day or timezone.localdate()
    levels = skills_as_of([resident.pk], day).get(resident.pk, {})
    attempts: dict[int, QuizAttempt] = {}
    for attempt in QuizAttempt.objects.filter(resident=resident).order_by("taken_at", "pk"):
        attempts[attempt.skill_id] = attempt
    by_skill: dict[str, list[Guide]] = {}
    for guide in all_guides().values():
        for code in guide.skills:
            by_skill.setdefault(code, []).append(guide)
    gaps = []
    for skill in Skill.objects.filter(active=True).order_by("-is_core", "position", "code"):
        observation = levels.get(skill.pk)
        level = observation.level if observation else SkillLevel.NOT_YET
        if level >= SkillLevel.MASTERED:
            continue
        gaps.append(
            SkillGap(
                skill=skill,
                level=level,
                guides=sorted(by_skill.get(skill.code, []), key=lambda g: (g.level != "co-ban", g.id)),
                has_quiz=bool(questions_for(skill.code)),
                last_attempt=attempts.get(skill.pk),
            )
        )
    return gaps


def recommend_guides(*, resident: Resident, limit: int = 5) -> list[Guide]:
    """Next guides to read: from the resident's skill gaps, core skills first, unread guides only."""
    read = set(GuideRead.objects.filter(resident=resident).values_list("guide_id", flat=True))
    # Round robin over the gaps, so the list covers several skills rather than one.
    queues = [[g for g in gap.guides if g.id not in read] for gap in skill_gaps(resident=resident)]
    picked: list[Guide] = []
    for depth in range(max((len(q) for q in queues), default=0)):
        for queue in queues:
            if depth < len(queue) and queue[depth] not in picked:
                picked.append(queue[depth])
                if len(picked) >= limit:
                    return picked
    return picked


def record_guide_read(*, resident: Resident, guide_id: str) -> bool:
    """Note that the resident opened a guide; True the first time."""
    if get_guide(guide_id) is None:
        return False
    _, created = GuideRead.objects.get_or_create(resident=resident, guide_id=guide_id)
    return created


@transaction.atomic
def submit_self_check(*, resident: Resident, skill: Skill, answers: dict[str, int | None]) -> QuizAttempt:
    """Grade a self-check and keep it; a pass lifts a "not yet" skill to "guided", never to "mastered"
    (mastery is for a member who sees the resident do it)."""
    right, total = grade(skill.code, answers)
    passed = total > 0 and right >= PASS_SHARE * total
    attempt = QuizAttempt.objects.create(
        resident=resident, skill=skill, correct=right, total=total, passed=passed
    )
    if passed:
        today = timezone.localdate()
        current = skills_as_of([resident.pk], today).get(resident.pk, {}).get(skill.pk)
        if current is None or current.level < SkillLevel.GUIDED:
            record_skill(
                by=None,
                resident=resident,
                skill=skill,
                level=SkillLevel.GUIDED,
                observed_on=today,
                source=Source.SELF_REPORT,
                source_ref=f"assistant-quiz:{attempt.pk}",
            )
    return attempt


@dataclass
class Progress:
    resident: Resident
    guides_read: list[tuple[GuideRead, Guide | None]]
    attempts: list[QuizAttempt]
    recommendations: list[Guide]


def learner_progress(*, resident: Resident, limit: int = 10) -> Progress:
    """What a member sees on the resident's page: guides read, self-checks, what to read next."""
    reads = list(GuideRead.objects.filter(resident=resident)[:limit])
    attempts = list(QuizAttempt.objects.filter(resident=resident).select_related("skill")[:limit])
    return Progress(
        resident=resident,
        guides_read=[(read, get_guide(read.guide_id)) for read in reads],
        attempts=attempts,
        recommendations=recommend_guides(resident=resident, limit=3),
    )
