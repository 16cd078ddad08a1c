"""Programme views (Gia đình số, Chợ số/4T, Tổ công nhân công nghệ, elderly and disabled classes,
"Mỗi công dân - Một danh tính số") and mobilisation drives: the list, the drive, its slips, its results.

Every page first finds its commune through `desk.desk_for` (outside scope: 404). Lists of residents are
scoped to what the user may see; drives are drawn from what the user may change. Province officers see
counts only. Writes go through `services` and leave an audit row; slips are an audited export.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from binhdan.accounts import access, audit
from binhdan.accounts.fields import workspace_form
from binhdan.accounts.models import AuditEvent
from binhdan.accounts.workspace import record_change
from binhdan.common.forms import errors_to_form, form_page
from binhdan.fieldwork.models import Team
from binhdan.indicators.values import values as indicator_values
from binhdan.places.models import Place
from binhdan.programmes import filters, services, slips
from binhdan.programmes.catalogue import BY_RULE, BY_SLUG, HOUSEHOLDS, PROGRAMMES, Programme
from binhdan.programmes.desk import Desk, desk_for, desk_for_change
from binhdan.programmes.forms import DriveForm, DriveResultsForm, ListFilterForm
from binhdan.programmes.models import Drive, DriveInvitee, DriveKind
from binhdan.registry.catalogue import core_skills
from binhdan.registry.models import CommuneSettings, Evidence, SkillLevel
from binhdan.reports.documents import DocumentError
from binhdan.reports.pdf import docx_to_pdf

PAGE_SIZE = 50
DRIVES_SHOWN = 20
EVIDENCE_CHOICES = [(Evidence.SEEN, Evidence.SEEN.label), (Evidence.CONFIRMED, Evidence.CONFIRMED.label)]


def _place_for_figures(desk: Desk) -> Place:
    """A team leader of one village sees the village's figures; everyone else the commune's."""
    if len(desk.villages) == 1 and not desk.commune_wide:
        return desk.villages[0]
    return desk.commune


def _target_text(programme: Programme, figures: dict[str, Any]) -> dict[str, Any]:
    """The programme's count against the indicator's target (the commune's own, else the default)."""
    value = figures.get(programme.indicator)
    if value is None:
        return {"has_target": False}
    need = max(0, math.ceil(value.target * value.denominator / 100) - value.numerator)
    return {"has_target": True, "value": value, "need": need}


@dataclass(frozen=True)
class Rules:
    """The commune's rules on the day, read once per page: its core set and the evidence it counts."""

    core: list[Any]
    evidence: tuple[str, ...]

    @classmethod
    def of(cls, commune: Place, day: Any) -> Rules:
        return cls(core_skills(commune, day), CommuneSettings.for_commune(commune).counted_evidence)


def _people(
    desk: Desk, programme: Programme, user: Any, villages: list[Place], day: Any, rules: Rules
) -> Any:
    found = filters.matching(
        programme.rule,
        commune=desk.commune,
        day=day,
        villages=villages,
        core=rules.core,
        evidence=rules.evidence,
    )
    if desk.names:
        found = filters.scoped(found, user, path="household__village", for_change=False)
    return found


def _count(desk: Desk, programme: Programme, user: Any, villages: list[Place], day: Any, rules: Rules) -> int:
    people = _people(desk, programme, user, villages, day, rules)
    if programme.counts == HOUSEHOLDS:
        return people.values("household_id").distinct().count()
    return people.count()


@require_GET
@login_required
def programme_index(request: HttpRequest, pk: int) -> HttpResponse:
    desk = desk_for(request, pk)
    today = timezone.localdate()
    place = _place_for_figures(desk)
    figures = {v.code: v for v in indicator_values(place, today, with_pace=False)}
    rules = Rules.of(desk.commune, today)
    rows = [
        {
            "p": programme,
            "count": _count(desk, programme, request.user, desk.villages, today, rules),
            **_target_text(programme, figures),
        }
        for programme in PROGRAMMES
    ]
    drives: list[Drive] = []
    if desk.names:
        drives = list(
            Drive.objects.visible_to(request.user)
            .filter(commune=desk.commune)
            .select_related("contact")
            .prefetch_related("villages")
            .order_by("-held_on", "-pk")[:DRIVES_SHOWN]
        )
    return render(
        request,
        "programmes/index.html",
        {
            "desk": desk,
            "commune": desk.commune,
            "place": place,
            "rows": rows,
            "drives": drives,
            "today": today,
        },
    )


@require_GET
@login_required
def programme_detail(request: HttpRequest, pk: int, slug: str) -> HttpResponse:
    desk = desk_for(request, pk)
    programme = BY_SLUG.get(slug)
    if programme is None:
        raise Http404
    today = timezone.localdate()
    form = ListFilterForm(request.GET or None, villages=desk.villages)
    villages, query = desk.villages, ""
    if form.is_valid():
        chosen = form.cleaned_data["thon"]
        villages = [v for v in desk.villages if v.pk == chosen] if chosen else desk.villages
        query = form.cleaned_data["q"].strip()
    place = villages[0] if len(villages) == 1 else _place_for_figures(desk)
    figures = {v.code: v for v in indicator_values(place, today, with_pace=False)}
    rules = Rules.of(desk.commune, today)
    people = _people(desk, programme, request.user, villages, today, rules)
    count = _count(desk, programme, request.user, villages, today, rules)
    page = None
    if desk.names:
        listed = people.search(query) if query else people
        listed = listed.select_related("household__village").vietnamese_order()
        page = Paginator(listed, PAGE_SIZE).get_page(request.GET.get("trang"))
        audit.record(
            request,
            AuditEvent.Action.VIEW_LIST,
            place=place,
            detail=f"Danh sách chương trình {programme.slug}",
        )
    start = {"chuong-trinh": programme.slug}
    if len(villages) == 1:
        start["thon"] = str(villages[0].pk)
    keep = {k: v for k, v in (("thon", request.GET.get("thon", "")), ("q", query)) if v}
    return render(
        request,
        "programmes/detail.html",
        {
            "desk": desk,
            "commune": desk.commune,
            "p": programme,
            "form": form,
            "count": count,
            "page": page,
            "query": query,
            "querystring": urlencode(keep),
            "core_size": len(rules.core),
            "start_url": reverse("programmes:drive_create", args=[desk.commune.pk]) + "?" + urlencode(start),
            "place": place,
            **_target_text(programme, figures),
        },
    )


# --- drives -------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
@workspace_form("commune", DriveForm)
def drive_create(request: HttpRequest, pk: int) -> HttpResponse:
    desk = desk_for_change(request, pk)
    programme = BY_SLUG.get(request.GET.get("chuong-trinh", "")) or PROGRAMMES[0]
    initial: dict[str, Any] = {
        "rule": programme.rule,
        "title": programme.drive_title,
        "kind": programme.drive_kind,
        "what_to_bring": programme.bring,
        "held_on": timezone.localdate(),
        "villages": [v for v in desk.villages if str(v.pk) == request.GET.get("thon", "")][:1],
    }
    form = DriveForm(request.POST or None, user=request.user, commune=desk.commune, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        villages = list(data["villages"])
        day = data["held_on"]
        residents = list(
            filters.for_user(
                data["rule"], user=request.user, commune=desk.commune, day=day, villages=villages
            )
            .select_related("household__village")
            .vietnamese_order()[: services.MAX_INVITEES + 1]
        )
        used = {
            "rule": data["rule"],
            "programme": BY_RULE[data["rule"]].slug if data["rule"] in BY_RULE else "",
            "villages": [v.pk for v in villages],
            "day": day.isoformat(),
        }
        try:
            drive = services.create_drive(
                by=request.user,
                commune=desk.commune,
                villages=villages,
                residents=residents,
                data=data,
                filter_used=used,
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            record_change(
                request,
                f"Lập đợt vận động: {drive.title} ngày {drive.held_on:%d/%m/%Y}, {len(residents)} người được mời",
                place=desk.commune,
                obj=drive,
            )
            messages.success(
                request, f"Đã lập đợt vận động “{drive.title}” với {len(residents)} người được mời."
            )
            return redirect("programmes:drive_detail", pk=drive.pk)
    return form_page(
        request,
        form,
        title=f"Lập đợt vận động — {desk.commune.name}",
        submit="Lập đợt vận động",
        cancel=reverse("programmes:index", args=[desk.commune.pk]),
        intro="Người được mời là những người đúng điều kiện vào ngày vận động, ở các thôn đã chọn mà bạn "
        "phụ trách. Sau khi lập, in giấy mời và ghi lại ai đã đến, đã làm được gì.",
    )


def _drive_for(request: HttpRequest, pk: int) -> tuple[Drive, Desk]:
    drive = access.get_visible_or_404(
        Drive.objects.visible_to(request.user).select_related("commune", "contact", "community_class"), pk=pk
    )
    desk = desk_for(request, drive.commune_id)
    if not desk.names:
        raise Http404
    return drive, desk


def _invitees(drive: Drive, user: Any, *, for_change: bool) -> Any:
    return filters.scoped(
        DriveInvitee.objects.filter(drive=drive, resident__erased_at__isnull=True),
        user,
        path="resident__household__village",
        for_change=for_change,
    ).select_related("resident__household__village__parent", "contact")


@require_GET
@login_required
def drive_detail(request: HttpRequest, pk: int) -> HttpResponse:
    drive, desk = _drive_for(request, pk)
    invitees = list(_invitees(drive, request.user, for_change=False).order_by("resident__sort_name", "pk"))
    changeable = (
        set(_invitees(drive, request.user, for_change=True).values_list("pk", flat=True))
        if desk.change
        else set()
    )
    skills = list(drive.skills.order_by("position", "code"))
    rows = []
    for invitee in invitees:
        stored = invitee.results or {}
        levels = stored.get("skills", {})
        rows.append(
            {
                "i": invitee,
                "can_change": invitee.pk in changeable,
                "vneid": stored.get("vneid_level"),
                "skills": [(s, levels.get(s.code)) for s in skills],
            }
        )
    audit.record(request, AuditEvent.Action.VIEW_LIST, place=desk.commune, obj=drive, detail="Danh sách mời")
    today = timezone.localdate()
    return render(
        request,
        "programmes/drive_detail.html",
        {
            "desk": desk,
            "commune": desk.commune,
            "drive": drive,
            "villages": list(drive.villages.all()),
            "rows": rows,
            "skills": skills,
            "came": sum(1 for i in invitees if i.came),
            "may_record": bool(changeable) and drive.held_on <= today,
            "not_yet": drive.held_on > today,
            "vneid": drive.kind == DriveKind.VNEID,
            "evidence_choices": EVIDENCE_CHOICES,
            "levels": [(SkillLevel.GUIDED, "Đã được hướng dẫn"), (SkillLevel.MASTERED, "Tự làm được")],
        },
    )


def _small_int(value: str, allowed: tuple[int, ...]) -> int | None:
    """'' → None; one of `allowed` → it; anything else → ValueError."""
    value = (value or "").strip()
    if not value:
        return None
    number = int(value) if value.isdigit() and len(value) < 3 else -1
    if number not in allowed:
        raise ValueError(value)
    return number


@require_POST
@login_required
@workspace_form("drive", DriveResultsForm)
def drive_results(request: HttpRequest, pk: int) -> HttpResponse:
    drive, desk = _drive_for(request, pk)
    if not desk.change:
        raise Http404
    invitees = {i.pk: i for i in _invitees(drive, request.user, for_change=True)}
    if not invitees:
        raise Http404
    back = reverse("programmes:drive_detail", args=[drive.pk]) + "#ket-qua"
    shown = [int(v) for v in request.POST.getlist("rows") if v.isdigit() and len(v) < 19]
    ticked = set(request.POST.getlist("came"))
    skill_ids = list(drive.skills.values_list("pk", flat=True))
    evidence = request.POST.get("evidence", Evidence.SEEN)
    if evidence not in (Evidence.SEEN, Evidence.CONFIRMED):
        messages.error(request, "Chưa lưu: cách biết kết quả không hợp lệ.")
        return redirect(back)
    results = []
    for invitee_pk in dict.fromkeys(shown):
        invitee = invitees.get(invitee_pk)
        if invitee is None:
            continue  # not theirs, or not this drive's: nothing is written for it
        name = invitee.resident.full_name
        try:
            level = _small_int(request.POST.get(f"vneid-{invitee.pk}", ""), (1, 2))
            levels = {}
            for skill_id in skill_ids:
                found = _small_int(request.POST.get(f"skill-{invitee.pk}-{skill_id}", ""), (1, 2))
                if found is not None:
                    levels[skill_id] = found
        except ValueError:
            messages.error(request, f"Chưa lưu: kết quả của {name} không hợp lệ.")
            return redirect(back)
        results.append(services.Result(invitee, str(invitee.pk) in ticked, level, levels))
    if not results:
        messages.error(request, "Chưa lưu: không có ai trong danh sách gửi lên.")
        return redirect(back)
    try:
        came, written = services.record_results(
            by=request.user, drive=drive, results=results, evidence=evidence
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, f"Chưa lưu: {message}")
        return redirect(back)
    record_change(
        request,
        f"Ghi kết quả đợt vận động {drive.title}: {came} người có mặt, {written} ghi nhận",
        place=desk.commune,
        obj=drive,
    )
    messages.success(request, f"Đã lưu: {came} người có mặt, {written} kết quả mới ghi vào sổ.")
    return redirect(back)


@require_GET
@login_required
def drive_slips(request: HttpRequest, pk: int) -> HttpResponse:
    drive, desk = _drive_for(request, pk)
    invitees = list(_invitees(drive, request.user, for_change=False).order_by("resident__sort_name", "pk"))
    if not invitees:
        raise Http404
    per_page = 4 if request.GET.get("so") == "4" else 6
    phones = dict(
        Team.objects.filter(village__in=[i.resident.household.village_id for i in invitees]).values_list(
            "village_id", "contact_phone"
        )
    )
    document = slips.build_docx(drive, slips.slips_for(drive, invitees, phones), per_page=per_page)
    as_word = request.GET.get("dinh-dang") == "docx"
    if not as_word:
        try:
            document = docx_to_pdf(document)
        except DocumentError as error:
            messages.error(request, str(error))
            return redirect("programmes:drive_detail", pk=drive.pk)
    audit.record(
        request,
        AuditEvent.Action.EXPORT,
        place=desk.commune,
        obj=drive,
        detail=f"In giấy mời: {len(invitees)} người ({'DOCX' if as_word else 'PDF'})",
    )
    extension, kind = (
        ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
        if as_word
        else ("pdf", "application/pdf")
    )
    response = HttpResponse(document, content_type=kind)
    response["Content-Disposition"] = f'attachment; filename="giay-moi-{drive.pk}.{extension}"'
    response["Cache-Control"] = "no-store"
    return response
