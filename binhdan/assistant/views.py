"""Assistant pages. The chat, guides and learner pages are public; the learner code lives in the session.
Pages about a resident are for signed-in staff and ask `access` first (outside scope: 404)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import segno
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from binhdan.accounts import access
from binhdan.accounts.fields import ScopedForm, workspace_form
from binhdan.accounts.workspace import commune_for_change, commune_for_reading, record_change
from binhdan.assistant import ask_limit, learner_codes, questions, services
from binhdan.assistant import conversation as conversations
from binhdan.assistant.forms import AskForm, LearnerCodeForm
from binhdan.assistant.guides import TOPICS, all_guides, by_short_code, get_guide
from binhdan.assistant.quiz import questions_for
from binhdan.assistant.safety import safe_lines
from binhdan.registry.models import Resident, Skill

SESSION_KEY = "assistant_learner_code"


def _learner(request: HttpRequest) -> Resident | None:
    code = request.session.get(SESSION_KEY)
    resident = services.learner_by_code(code) if code else None
    if code and resident is None:
        request.session.pop(SESSION_KEY, None)
    return resident


def _commune_code(request: HttpRequest) -> str:
    """The commune of the chat: `?xa=<code>` on the URL (kept through the form as a hidden field)."""
    code = request.POST.get("xa") or request.GET.get("xa") or ""
    return code[:20] if code.isalnum() else ""


def _chat_url(xa: str) -> str:
    url = reverse("assistant:chat")
    return f"{url}?xa={xa}" if xa else url


@require_http_methods(["GET", "POST"])
def chat(request: HttpRequest) -> HttpResponse:
    form = AskForm(request.POST or None)
    answer = None
    learner = _learner(request)
    xa = _commune_code(request)
    refusal = ""
    if request.method == "POST":
        try:
            ask_limit.count_question(request)
        except ask_limit.TooManyQuestions as exc:
            refusal = str(exc)  # the typed question stays in the box; the conversation carries on
    if request.method == "POST" and not refusal and form.is_valid():
        answer = services.ask(
            question=form.cleaned_data["q"],
            learner_code=learner.learner_code if learner else None,
            conversation=request.POST.get("c", ""),
            commune=questions.commune_by_code(xa),
        )
        form = AskForm()  # the box is empty for the next question; the conversation key carries on
    guide = answer.guide if answer else None
    safety = safe_lines(guide.safety) if guide else []
    return render(
        request,
        "assistant/chat.html",
        {
            "refusal": refusal,
            "form": form,
            "answer": answer,
            "answer_lines": answer.answer.split("\n") if answer else [],
            # the other guides worth a look (the one answered is already on the page)
            "related": [r for r in answer.results[:3] if not guide or r["guide"] != guide.id]
            if answer
            else [],
            "steps": safe_lines(guide.steps) if guide else [],
            "safety_note": safety[0] if safety else (services.SAFETY_REMINDER if guide else ""),
            "learner": learner,
            "contact": services.village_contact(learner),
            "xa": xa,
            "conversation": answer.conversation if answer else conversations.clean_key(request.POST.get("c")),
            "feedback": bool(answer and answer.guide and answer.logged),
        },
        status=429 if refusal else 200,
    )


@require_POST
def feedback(request: HttpRequest) -> HttpResponse:
    """ "Hướng dẫn này có giúp được bác không?" — Có / Không for the guide in hand, once per conversation.

    No login; limited per address; counted only when the conversation's commune logs questions."""
    xa = _commune_code(request)
    current = conversations.load(request.POST.get("c", ""))
    choice = request.POST.get("giup", "")
    if current is None or not current.guide_id or choice not in ("co", "khong"):
        messages.info(request, "Không ghi nhận được góp ý: câu trả lời đã cũ. Bạn hỏi lại nhé.")
        return redirect(_chat_url(xa))
    if current.rated_guide_id != current.guide_id:
        try:
            counted = questions.record_feedback(
                request=request, commune=current.commune, guide_id=current.guide_id, helped=choice == "co"
            )
        except questions.TooManyVotes as exc:
            messages.error(request, str(exc))
            return redirect(_chat_url(xa))
        if counted:
            current.rated_guide_id = current.guide_id
            current.save(update_fields=["rated_guide_id"])
    messages.success(request, "Cảm ơn bác đã góp ý. Tổ công nghệ số sẽ làm hướng dẫn dễ hiểu hơn.")
    return redirect(_chat_url(xa))


class QuestionLoggingForm(ScopedForm):
    log_questions = forms.BooleanField(
        label="Ghi lại câu hỏi của người dân (ẩn danh)",
        required=False,
        help_text=(
            "Số điện thoại, số giấy tờ, thư điện tử và tên người được xoá trước khi lưu; chỉ lưu ngày hỏi, "
            f"không lưu giờ, địa chỉ máy; tự xoá sau {questions.KEEP_DAYS} ngày. Tắt đi thì xoá hết câu hỏi đã ghi."
        ),
    )


@require_GET
@login_required
def commune_questions(request: HttpRequest, pk: int) -> HttpResponse:
    """The commune's not-confident questions, grouped, and the feedback per guide (officers, leaders)."""
    commune = commune_for_reading(request, pk)
    on = questions.logging_on(commune)
    context: dict[str, Any] = {
        "commune": commune,
        "logging_on": on,
        "groups": questions.not_confident_groups(commune),
        "feedback_rows": questions.feedback_counts(commune),
        "can_change": access.can_manage_place(request.user, commune),
        "form": QuestionLoggingForm(user=request.user, commune=commune, initial={"log_questions": on}),
        "keep_days": questions.KEEP_DAYS,
        "chat_url": settings.SITE_URL.rstrip("/") + _chat_url(commune.code),
    }
    return render(request, "assistant/questions.html", context)


@require_POST
@login_required
@workspace_form("commune", QuestionLoggingForm)
def commune_questions_settings(request: HttpRequest, pk: int) -> HttpResponse:
    commune = commune_for_change(request, pk)
    form = QuestionLoggingForm(request.POST, user=request.user, commune=commune)
    if form.is_valid():
        on = form.cleaned_data["log_questions"]
        if questions.set_logging(commune=commune, on=on):
            record_change(
                request, f"Trợ lý ảo: ghi câu hỏi {'bật' if on else 'tắt'}", place=commune, obj=None
            )
            messages.success(
                request, "Đã bật ghi câu hỏi." if on else "Đã tắt ghi câu hỏi và xoá câu hỏi đã ghi."
            )
        else:
            messages.info(request, "Không có thay đổi nào.")
    return redirect("assistant:commune_questions", pk=commune.pk)


@require_GET
def guide_list(request: HttpRequest) -> HttpResponse:
    by_topic = defaultdict(list)
    for guide in all_guides().values():
        for slug in guide.topics[:1]:
            by_topic[slug].append(guide)
    groups = [
        (TOPICS.get(slug, slug), sorted(by_topic[slug], key=lambda g: g.title))
        for slug in TOPICS
        if slug in by_topic
    ]
    return render(request, "assistant/guide_list.html", {"groups": groups})


def _qr_svg(url: str) -> str:
    return segno.make(url, error="m").svg_inline(scale=4, title="Mã QR mở hướng dẫn")


@require_GET
def guide_detail(request: HttpRequest, guide_id: str) -> HttpResponse:
    guide = get_guide(guide_id)
    if guide is None:
        raise Http404
    learner = _learner(request)
    if learner is not None:
        services.record_guide_read(resident=learner, guide_id=guide.id)
    short_url = settings.SITE_URL.rstrip("/") + reverse("assistant_short_link", args=[guide.short])
    sections = [(heading, safe_lines(lines)) for heading, lines in guide.sections.items()]
    return render(
        request,
        "assistant/guide_detail.html",
        {
            "guide": guide,
            "sections": sections,
            "short_url": short_url,
            "qr_svg": mark_safe(_qr_svg(short_url)),  # nosec B308 B703  # segno output, no user input
            "learner": learner,
        },
    )


@require_GET
def short_link(request: HttpRequest, short: str) -> HttpResponse:
    guide = by_short_code(short)
    if guide is None:
        raise Http404
    return redirect("assistant:guide_detail", guide_id=guide.id)


@require_http_methods(["GET", "POST"])
def learner_home(request: HttpRequest) -> HttpResponse:
    learner = _learner(request)
    form = LearnerCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # One limit with the API, in the shared cache: per address and per code (learner_codes.py).
        try:
            resident = learner_codes.look_up(request, form.cleaned_data["code"])
        except learner_codes.TooManyGuesses as exc:
            form.add_error("code", str(exc))
            return render(request, "assistant/learner.html", {"form": form, "learner": learner}, status=429)
        if resident is None:
            form.add_error(
                "code", "Không tìm thấy mã này. Bạn kiểm tra lại hoặc hỏi Tổ công nghệ số cộng đồng."
            )
        else:
            request.session[SESSION_KEY] = resident.learner_code
            return redirect("assistant:learner_home")
    context: dict[str, object] = {"form": form, "learner": learner}
    if learner is not None:
        context["gaps"] = services.skill_gaps(resident=learner)
        context["recommendations"] = services.recommend_guides(resident=learner, limit=5)
    return render(request, "assistant/learner.html", context)


@require_POST
def learner_exit(request: HttpRequest) -> HttpResponse:
    request.session.pop(SESSION_KEY, None)
    return redirect("assistant:learner_home")


@require_http_methods(["GET", "POST"])
def self_check(request: HttpRequest, skill_code: str) -> HttpResponse:
    learner = _learner(request)
    if learner is None:
        messages.info(request, "Bạn nhập mã học viên trước để làm bài tự kiểm tra.")
        return redirect("assistant:learner_home")
    skill = Skill.objects.filter(code=skill_code, active=True).first()
    questions = questions_for(skill_code)
    if skill is None or not questions:
        raise Http404
    attempt = None
    chosen: dict[str, int | None] = {}
    if request.method == "POST":
        for question in questions:
            raw = request.POST.get(question.key, "")
            chosen[question.key] = int(raw) if raw.isdigit() else None
        attempt = services.submit_self_check(resident=learner, skill=skill, answers=chosen)
    return render(
        request,
        "assistant/self_check.html",
        {"skill": skill, "questions": questions, "attempt": attempt, "chosen": chosen, "learner": learner},
    )


@require_POST
@login_required
def issue_code(request: HttpRequest, pk: int) -> HttpResponse:
    resident = access.get_visible_or_404(Resident.objects.changeable_by(request.user).active(), pk=pk)
    code = services.issue_learner_code(by=request.user, resident=resident)
    messages.success(request, f"Mã học viên của {resident.full_name}: {code}. Ghi ra giấy đưa cho người dân.")
    return redirect("assistant:resident_progress", pk=resident.pk)


@require_GET
@login_required
def resident_progress(request: HttpRequest, pk: int) -> HttpResponse:
    resident = access.get_visible_or_404(
        Resident.objects.visible_to(request.user).filter(erased_at__isnull=True).select_related("household"),
        pk=pk,
    )
    can_change = access.can_change_personal_data(request.user, resident.household.village)
    return render(
        request,
        "assistant/resident_progress.html",
        {
            "resident": resident,
            "progress": services.learner_progress(resident=resident),
            "can_change": can_change,
        },
    )
