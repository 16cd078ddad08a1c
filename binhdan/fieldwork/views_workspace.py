"""The commune officer's workspace: villages, teams, trainings, classes, mentors and campaigns.

Every page first finds its object through `access` (outside scope: 404, the same as missing). Forms
are `ScopedForm`s, so a posted id outside the officer's commune is a form error. Every write calls a
service and leaves an audit row. Commune leaders read these pages and get 404 on every form.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from binhdan.accounts import access, audit
from binhdan.accounts.models import AuditEvent
from binhdan.accounts.workspace import commune_for_change, commune_for_reading, record_change
from binhdan.common.forms import errors_to_form, form_page
from binhdan.fieldwork import forms as wf
from binhdan.fieldwork import services
from binhdan.fieldwork.forms import residents_visible_to
from binhdan.fieldwork.models import (
    Campaign,
    ClassAttendance,
    CommunityClass,
    Mentor,
    Mentorship,
    Team,
    TeamMembership,
    Training,
)
from binhdan.places import services as place_services
from binhdan.places.models import Level, Place

SEARCH_LIMIT = 30  # residents shown per attendance search; a longer list means "type more of the name"


@dataclass(frozen=True)
class FormSpec:
    """What a workspace form view edits: `target` names what the URL's pk is, `form` its form class."""

    target: str
    form: type[forms.BaseForm]


def workspace_form(target: str, form: type[forms.BaseForm]) -> Callable[[Any], Any]:
    """Mark a view as a workspace form (the scope test finds every marked URL and attacks it)."""

    def mark(view: Any) -> Any:
        view.workspace_form = FormSpec(target, form)
        return view

    return mark


def _village_for_change(request: HttpRequest, pk: int) -> Place:
    village = access.get_visible_or_404(
        access.places_visible_to(request.user).filter(level=Level.VILLAGE).select_related("parent"), pk=pk
    )
    if not access.can_manage_place(request.user, village):
        raise Http404
    return village


# --- villages -----------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
@workspace_form("village", wf.VillageRenameForm)
def village_rename(request: HttpRequest, pk: int) -> HttpResponse:
    village = _village_for_change(request, pk)
    if village.valid_to is not None:
        raise Http404
    form = wf.VillageRenameForm(request.POST or None, initial={"name": village.name})
    if request.method == "POST" and form.is_valid():
        old = village.name
        try:
            place_services.rename_village(village=village, name=form.cleaned_data["name"])
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            record_change(request, f"Đổi tên thôn: {old} → {village.name}", place=village, obj=village)
            messages.success(request, f"Đã đổi tên {old} thành {village.name}.")
            return redirect("fieldwork:village_detail", pk=village.pk)
    return form_page(
        request,
        form,
        title=f"Đổi tên {village.name}",
        submit="Đổi tên",
        cancel=reverse("fieldwork:village_detail", args=[village.pk]),
        intro="Mọi hộ, lượt hỗ trợ và số liệu của thôn giữ nguyên; chỉ tên hiển thị thay đổi.",
    )


@require_http_methods(["GET", "POST"])
@login_required
@workspace_form("village", wf.VillageCloseForm)
def village_close(request: HttpRequest, pk: int) -> HttpResponse:
    village = _village_for_change(request, pk)
    if village.valid_to is not None:
        raise Http404
    form = wf.VillageCloseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.close_empty_village(
                by=request.user, village=village, closed_on=form.cleaned_data["closed_on"]
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            record_change(
                request,
                f"Cho thôi hoạt động: {village.name} từ {village.valid_to:%d/%m/%Y}",
                place=village,
                obj=village,
            )
            messages.success(request, f"{village.name} thôi hoạt động sau ngày {village.valid_to:%d/%m/%Y}.")
            return redirect("fieldwork:commune_detail", pk=village.parent_id)
    return form_page(
        request,
        form,
        title=f"Cho {village.name} thôi hoạt động",
        submit="Cho thôi hoạt động",
        cancel=reverse("fieldwork:village_detail", args=[village.pk]),
        intro="Chỉ thôn không còn hộ và không còn thành viên tổ mới thôi hoạt động được. "
        "Thôn còn hộ thì hãy sáp nhập vào thôn khác.",
    )


@require_http_methods(["GET", "POST"])
@login_required
@workspace_form("commune", wf.VillageMergeForm)
def village_merge(request: HttpRequest, pk: int) -> HttpResponse:
    commune = commune_for_change(request, pk)
    form = wf.VillageMergeForm(
        request.POST or None,
        user=request.user,
        commune=commune,
        initial={"merged_on": timezone.localdate(), "village": request.GET.get("thon")},
    )
    if request.method == "POST" and form.is_valid():
        village, into = form.cleaned_data["village"], form.cleaned_data["into"]
        try:
            result = services.merge_villages(
                by=request.user, village=village, into=into, merged_on=form.cleaned_data["merged_on"]
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            record_change(
                request,
                f"Sáp nhập {village.name} vào {into.name} từ {form.cleaned_data['merged_on']:%d/%m/%Y}: "
                f"{result.households} hộ, {result.members} thành viên tổ chuyển sang",
                place=into,
                obj=village,
            )
            messages.success(
                request,
                f"Đã sáp nhập {village.name} vào {into.name}: {result.households} hộ và "
                f"{result.members} thành viên tổ đã chuyển sang.",
            )
            return redirect("fieldwork:village_detail", pk=into.pk)
    return form_page(
        request,
        form,
        title=f"Sáp nhập thôn — {commune.name}",
        submit="Sáp nhập",
        cancel=reverse("fieldwork:commune_detail", args=[commune.pk]),
        intro="Các hộ và thành viên tổ của thôn được sáp nhập chuyển sang thôn mới. Thôn cũ hết hiệu lực "
        "từ ngày sáp nhập; lượt hỗ trợ, buổi học và số liệu cũ vẫn giữ nguyên.",
        warning="Không hoàn tác được trên màn hình. Hãy kiểm tra kỹ hai thôn trước khi bấm Sáp nhập.",
    )


# --- teams --------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
@workspace_form("commune", wf.TeamCreateForm)
def team_create(request: HttpRequest, pk: int) -> HttpResponse:
    commune = commune_for_change(request, pk)
    form = wf.TeamCreateForm(
        request.POST or None,
        user=request.user,
        commune=commune,
        initial={"village": request.GET.get("thon"), "formed_on": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            team = services.create_team(
                village=data["village"], name=data["name"], formed_on=data["formed_on"]
            )
            if data["contact_phone"]:
                team.contact_phone = data["contact_phone"]
                team.save(update_fields=["contact_phone", "updated_at"])
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            record_change(request, f"Lập tổ: {team.name}", place=team.village, obj=team)
            messages.success(request, f"Đã lập {team.name}. Hãy thêm thành viên (7-12 người).")
            return redirect("fieldwork:team_detail", pk=team.pk)
    return form_page(
        request,
        form,
        title=f"Lập Tổ công nghệ số cộng đồng — {commune.name}",
        submit="Lập tổ",
        cancel=reverse("fieldwork:commune_detail", args=[commune.pk]),
    )


def _team_for_change(request: HttpRequest, pk: int) -> Team:
    team = access.get_visible_or_404(
        Team.objects.visible_to(request.user).select_related("village__parent"), pk=pk
    )
    if not access.can_manage_team(request.user, team.village) or team.village.valid_to is not None:
        raise Http404
    return team


@require_http_methods(["GET", "POST"])
@login_required
@workspace_form("team", wf.TeamMemberAddForm)
def team_member_add(request: HttpRequest, pk: int) -> HttpResponse:
    team = _team_for_change(request, pk)
    form = wf.TeamMemberAddForm(
        request.POST or None,
        user=request.user,
        commune=team.village.parent,
        initial={"joined_on": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            membership = services.add_team_member(
                team=team,
                user=data["user"],
                role=data["role"],
                affiliation=data["affiliation"],
                joined_on=data["joined_on"],
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            record_change(
                request,
                f"Vào tổ {team.village.name}: {membership.user.display_name}, {membership.get_role_display()}",
                place=team.village,
                obj=membership,
            )
            messages.success(
                request, f"{membership.user.display_name} đã vào tổ ({membership.get_role_display()})."
            )
            return redirect("fieldwork:team_detail", pk=team.pk)
    return form_page(
        request,
        form,
        title=f"Thêm thành viên — {team.name}",
        submit="Thêm vào tổ",
        cancel=reverse("fieldwork:team_detail", args=[team.pk]),
        intro="Người vào tổ được quyền xem và cập nhật hộ của thôn từ ngày vào tổ. Tổ có một tổ trưởng.",
    )


@require_http_methods(["GET", "POST"])
@login_required
@workspace_form("membership", wf.TeamMemberLeaveForm)
def team_member_leave(request: HttpRequest, pk: int) -> HttpResponse:
    membership = access.get_visible_or_404(
        TeamMembership.objects.filter(left_on__isnull=True).select_related("user", "team__village__parent"),
        pk=pk,
    )
    team = _team_for_change(request, membership.team_id)
    form = wf.TeamMemberLeaveForm(request.POST or None, initial={"left_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.remove_team_member(membership=membership, left_on=form.cleaned_data["left_on"])
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            record_change(
                request,
                f"Rời tổ {team.village.name}: {membership.user.display_name} ngày {membership.left_on:%d/%m/%Y}",
                place=team.village,
                obj=membership,
            )
            messages.success(request, f"{membership.user.display_name} đã rời tổ.")
            return redirect("fieldwork:team_detail", pk=team.pk)
    return form_page(
        request,
        form,
        title=f"{membership.user.display_name} rời {team.name}",
        submit="Xác nhận rời tổ",
        cancel=reverse("fieldwork:team_detail", args=[team.pk]),
        intro="Lịch sử vẫn giữ. Từ ngày rời tổ người này không còn xem được hộ của thôn; "
        "các hộ họ phụ trách trở thành chưa phân công.",
    )


# --- trainings ----------------------------------------------------------------------------------------


@require_GET
@login_required
def training_list(request: HttpRequest, pk: int) -> HttpResponse:
    commune = commune_for_reading(request, pk)
    trainings = Training.objects.filter(commune=commune).annotate(n=Count("attendees")).order_by("-held_on")
    members = TeamMembership.objects.filter(team__village__parent=commune, left_on__isnull=True)
    trained = members.filter(user__trainings__commune=commune).values("user").distinct().count()
    return render(
        request,
        "fieldwork/workspace/training_list.html",
        {
            "commune": commune,
            "trainings": trainings,
            "members": members.count(),
            "trained": trained,
            "can_manage": access.can_manage_place(request.user, commune),
        },
    )


def _training_form(request: HttpRequest, commune: Place, training: Training | None) -> HttpResponse:
    initial = (
        {"title": training.title, "held_on": training.held_on, "attendees": list(training.attendees.all())}
        if training
        else {"held_on": timezone.localdate()}
    )
    form = wf.TrainingForm(request.POST or None, user=request.user, commune=commune, initial=initial)
    if request.method == "POST" and form.is_valid():
        saved = services.save_training(
            by=request.user, commune=commune, instance=training, data=form.cleaned_data
        )
        record_change(
            request,
            f"{'Sửa' if training else 'Tạo'} buổi tập huấn: {saved.title}, {saved.attendees.count()} người tham dự",
            place=commune,
            obj=saved,
        )
        messages.success(request, f"Đã lưu buổi tập huấn “{saved.title}”.")
        return redirect("fieldwork:training_list", pk=commune.pk)
    return form_page(
        request,
        form,
        title="Sửa buổi tập huấn" if training else f"Buổi tập huấn mới — {commune.name}",
        submit="Lưu",
        cancel=reverse("fieldwork:training_list", args=[commune.pk]),
    )


@require_http_methods(["GET", "POST"])
@login_required
@workspace_form("commune", wf.TrainingForm)
def training_create(request: HttpRequest, pk: int) -> HttpResponse:
    return _training_form(request, commune_for_change(request, pk), None)


@require_http_methods(["GET", "POST"])
@login_required
@workspace_form("training", wf.TrainingForm)
def training_edit(request: HttpRequest, pk: int) -> HttpResponse:
    training = access.get_visible_or_404(Training.objects.all(), pk=pk)
    commune = commune_for_change(request, training.commune_id)
    return _training_form(request, commune, training)


# --- classes and community days -----------------------------------------------------------------------


def _classes_of(commune: Place) -> Any:
    return CommunityClass.objects.filter(Q(place=commune) | Q(place__parent=commune))


@require_GET
@login_required
def class_list(request: HttpRequest, pk: int) -> HttpResponse:
    commune = commune_for_reading(request, pk)
    classes = (
        _classes_of(commune)
        .select_related("place")
        .annotate(attendees=Count("attendance"))
        .prefetch_related("skills")
        .order_by("-held_on", "-pk")
    )
    today = timezone.localdate()
    return render(
        request,
        "fieldwork/workspace/class_list.html",
        {
            "commune": commune,
            "upcoming": [c for c in classes if c.held_on >= today][::-1],
            "past": [c for c in classes if c.held_on < today],
            "can_manage": access.can_manage_place(request.user, commune),
        },
    )


def _class_for(request: HttpRequest, pk: int, *, change: bool) -> tuple[CommunityClass, Place]:
    community_class = access.get_visible_or_404(
        CommunityClass.objects.visible_to(request.user).select_related("place__parent"), pk=pk
    )
    commune_pk = services.class_commune(community_class).pk
    commune = commune_for_change(request, commune_pk) if change else commune_for_reading(request, commune_pk)
    return community_class, commune


def _class_form(request: HttpRequest, commune: Place, community_class: CommunityClass | None) -> HttpResponse:
    if community_class:
        initial: dict[str, Any] = {
            "kind": community_class.kind,
            "title": community_class.title,
            "held_on": community_class.held_on,
            "village": community_class.place if community_class.place.level == Level.VILLAGE else None,
            "venue": community_class.venue,
            "audience": community_class.audience,
            "skills": list(community_class.skills.all()),
            "instructors": list(community_class.instructors.all()),
        }
    else:
        initial = {"held_on": timezone.localdate()}
    form = wf.ClassForm(request.POST or None, user=request.user, commune=commune, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.save_class(
                by=request.user, commune=commune, instance=community_class, data=form.cleaned_data
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            record_change(
                request,
                f"{'Sửa' if community_class else 'Lên lịch'} buổi học: {saved.title} ngày {saved.held_on:%d/%m/%Y}",
                place=saved.place,
                obj=saved,
            )
            messages.success(request, f"Đã lưu buổi học “{saved.title}”.")
            return redirect("fieldwork:class_detail", pk=saved.pk)
    return form_page(
        request,
        form,
        title="Sửa buổi học" if community_class else f"Lên lịch buổi học — {commune.name}",
        submit="Lưu buổi học",
        cancel=reverse("fieldwork:class_list", args=[commune.pk]),
    )


@require_http_methods(["GET", "POST"])
@login_required
@workspace_form("commune", wf.ClassForm)
def class_create(request: HttpRequest, pk: int) -> HttpResponse:
    return _class_form(request, commune_for_change(request, pk), None)


@require_http_methods(["GET", "POST"])
@login_required
@workspace_form("class", wf.ClassForm)
def class_edit(request: HttpRequest, pk: int) -> HttpResponse:
    community_class, commune = _class_for(request, pk, change=True)
    return _class_form(request, commune, community_class)


def _attendance(community_class: CommunityClass) -> list[ClassAttendance]:
    return list(
        community_class.attendance.select_related("resident__household__village").order_by(
            "resident__sort_name"
        )
    )


@require_GET
@login_required
def class_detail(request: HttpRequest, pk: int) -> HttpResponse:
    community_class, commune = _class_for(request, pk, change=False)
    community_class = (
        CommunityClass.objects.filter(pk=community_class.pk)
        .select_related("place__parent")
        .prefetch_related("skills", "instructors")
        .get()
    )
    can_manage = access.can_manage_place(request.user, commune)
    query = request.GET.get("q", "").strip()[:100]
    found: list[Any] = []
    if query and can_manage:
        found = list(
            residents_visible_to(request.user)
            .filter(household__village__parent=commune)
            .search(query)
            .vietnamese_order()[: SEARCH_LIMIT + 1]
        )
    attendance = _attendance(community_class)
    present = {a.resident_id for a in attendance}
    return render(
        request,
        "fieldwork/workspace/class_detail.html",
        {
            "commune": commune,
            "c": community_class,
            "attendance": attendance,
            "present": present,
            "query": query,
            "found": found[:SEARCH_LIMIT],
            "more": len(found) > SEARCH_LIMIT,
            "can_manage": can_manage,
            "form": wf.AttendanceForm(user=request.user, commune=commune),
        },
    )


@require_http_methods(["POST"])
@login_required
@workspace_form("class", wf.AttendanceForm)
def class_attendance(request: HttpRequest, pk: int) -> HttpResponse:
    community_class, commune = _class_for(request, pk, change=True)
    form = wf.AttendanceForm(request.POST, user=request.user, commune=commune)
    back = reverse("fieldwork:class_detail", args=[community_class.pk])
    query = request.POST.get("q", "").strip()[:100]
    if query:
        back += "?" + _qs(q=query)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, f"Chưa lưu điểm danh: {error}")
        return redirect(back)
    try:
        added, removed = services.take_attendance(
            by=request.user,
            community_class=community_class,
            present=list(form.cleaned_data["present"]),
            absent=list(form.cleaned_data["absent"]),
        )
    except ValidationError as exc:
        for error in exc.messages:
            messages.error(request, f"Chưa lưu điểm danh: {error}")
        return redirect(back)
    record_change(
        request,
        f"Điểm danh buổi học {community_class.title}: thêm {added}, bỏ {removed}",
        place=community_class.place,
        obj=community_class,
    )
    messages.success(request, f"Đã điểm danh: thêm {added} người, bỏ {removed} người.")
    return redirect(back)


def _qs(**params: str) -> str:
    from urllib.parse import urlencode

    return urlencode(params)


@require_GET
@login_required
def class_sign_in_sheet(request: HttpRequest, pk: int) -> HttpResponse:
    community_class, commune = _class_for(request, pk, change=False)
    attendance = _attendance(community_class)
    blank_rows = max(0, 25 - len(attendance))
    audit.record(
        request,
        AuditEvent.Action.VIEW_LIST,
        place=community_class.place,
        obj=community_class,
        detail="In danh sách ký tên buổi học",
    )
    return render(
        request,
        "fieldwork/workspace/sign_in_sheet.html",
        {"commune": commune, "c": community_class, "attendance": attendance, "blank_rows": range(blank_rows)},
    )


# --- mentors (Đại sứ số) ------------------------------------------------------------------------------


@require_GET
@login_required
def mentor_list(request: HttpRequest, pk: int) -> HttpResponse:
    commune = commune_for_reading(request, pk)
    mentors = (
        Mentor.objects.filter(commune=commune)
        .select_related("user", "resident__household__village")
        .annotate(open_count=Count("mentorships", filter=Q(mentorships__ended_on__isnull=True)))
        .annotate(
            independent=Count("mentorships", filter=Q(mentorships__outcome=Mentorship.Outcome.INDEPENDENT))
        )
        .order_by("ended_on", "-started_on", "pk")
    )
    form = wf.MentorForm(user=request.user, commune=commune, initial={"started_on": timezone.localdate()})
    return render(
        request,
        "fieldwork/workspace/mentor_list.html",
        {
            "commune": commune,
            "mentors": mentors,
            "can_manage": access.can_manage_place(request.user, commune),
            "form": form,
            **_resident_search(request, commune),
        },
    )


def _resident_search(request: HttpRequest, commune: Place) -> dict[str, Any]:
    query = request.GET.get("q", "").strip()[:100]
    found: list[Any] = []
    if query:
        found = list(
            residents_visible_to(request.user)
            .filter(household__village__parent=commune)
            .search(query)
            .vietnamese_order()[: SEARCH_LIMIT + 1]
        )
    return {"query": query, "found": found[:SEARCH_LIMIT], "more": len(found) > SEARCH_LIMIT}


@require_http_methods(["GET", "POST"])
@login_required
@workspace_form("commune", wf.MentorForm)
def mentor_create(request: HttpRequest, pk: int) -> HttpResponse:
    commune = commune_for_change(request, pk)
    if request.method == "GET":
        return redirect("fieldwork:mentor_list", pk=commune.pk)
    form = wf.MentorForm(request.POST, user=request.user, commune=commune)
    if form.is_valid():
        data = form.cleaned_data
        try:
            mentor = services.create_mentor(
                by=request.user,
                commune=commune,
                user=data["user"],
                resident=data["resident"],
                started_on=data["started_on"],
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            record_change(request, f"Đại sứ số mới: {mentor}", place=commune, obj=mentor)
            messages.success(request, f"{mentor} đã là đại sứ số. Hãy thêm người được kèm cặp (ít nhất 5).")
            return redirect("fieldwork:mentor_detail", pk=mentor.pk)
    return form_page(
        request,
        form,
        title=f"Đại sứ số mới — {commune.name}",
        submit="Lưu",
        cancel=reverse("fieldwork:mentor_list", args=[commune.pk]),
    )


def _mentor_for(request: HttpRequest, pk: int, *, change: bool) -> tuple[Mentor, Place]:
    mentor = access.get_visible_or_404(
        Mentor.objects.filter(commune__in=access.places_visible_to(request.user)).select_related(
            "user", "resident", "commune"
        ),
        pk=pk,
    )
    commune = (
        commune_for_change(request, mentor.commune_id)
        if change
        else commune_for_reading(request, mentor.commune_id)
    )
    return mentor, commune


@require_GET
@login_required
def mentor_detail(request: HttpRequest, pk: int) -> HttpResponse:
    mentor, commune = _mentor_for(request, pk, change=False)
    mentorships = list(
        mentor.mentorships.select_related("mentee__household__village").order_by(
            "ended_on", "mentee__sort_name"
        )
    )
    can_manage = access.can_manage_place(request.user, commune)
    return render(
        request,
        "fieldwork/workspace/mentor_detail.html",
        {
            "commune": commune,
            "mentor": mentor,
            "mentorships": mentorships,
            "open_count": sum(1 for m in mentorships if m.ended_on is None),
            "can_manage": can_manage,
            "form": wf.MenteeForm(
                user=request.user, commune=commune, initial={"started_on": timezone.localdate()}
            ),
            **(_resident_search(request, commune) if can_manage else {}),
        },
    )


@require_http_methods(["POST"])
@login_required
@workspace_form("mentor", wf.MenteeForm)
def mentee_add(request: HttpRequest, pk: int) -> HttpResponse:
    mentor, commune = _mentor_for(request, pk, change=True)
    form = wf.MenteeForm(request.POST, user=request.user, commune=commune)
    if form.is_valid():
        try:
            mentorship = services.add_mentee(
                by=request.user,
                mentor=mentor,
                mentee=form.cleaned_data["mentee"],
                started_on=form.cleaned_data["started_on"],
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            record_change(
                request, f"Đại sứ số {mentor} kèm cặp {mentorship.mentee}", place=commune, obj=mentorship
            )
            messages.success(request, f"Đã thêm {mentorship.mentee} vào danh sách kèm cặp.")
            return redirect("fieldwork:mentor_detail", pk=mentor.pk)
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, f"Chưa thêm được: {error}")
    return redirect("fieldwork:mentor_detail", pk=mentor.pk)


@require_http_methods(["GET", "POST"])
@login_required
@workspace_form("mentorship", wf.MentorshipOutcomeForm)
def mentorship_outcome(request: HttpRequest, pk: int) -> HttpResponse:
    mentorship = access.get_visible_or_404(
        Mentorship.objects.filter(mentor__commune__in=access.places_visible_to(request.user)).select_related(
            "mentor", "mentee"
        ),
        pk=pk,
    )
    mentor, commune = _mentor_for(request, mentorship.mentor_id, change=True)
    form = wf.MentorshipOutcomeForm(
        request.POST or None,
        initial={"outcome": mentorship.outcome, "ended_on": mentorship.ended_on, "note": mentorship.note},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.record_mentorship_outcome(
                by=request.user,
                mentorship=mentorship,
                outcome=data["outcome"],
                ended_on=data["ended_on"],
                note=data["note"],
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            record_change(
                request,
                f"Kết quả kèm cặp {mentorship.mentee}: {mentorship.get_outcome_display()}",
                place=commune,
                obj=mentorship,
            )
            messages.success(request, f"Đã lưu kết quả kèm cặp {mentorship.mentee}.")
            return redirect("fieldwork:mentor_detail", pk=mentor.pk)
    return form_page(
        request,
        form,
        title=f"Kết quả kèm cặp — {mentorship.mentee}",
        submit="Lưu kết quả",
        cancel=reverse("fieldwork:mentor_detail", args=[mentor.pk]),
    )


# --- campaigns ----------------------------------------------------------------------------------------


def _campaign_form(request: HttpRequest, commune: Place, campaign: Campaign | None) -> HttpResponse:
    if campaign:
        initial: dict[str, Any] = {
            "name": campaign.name,
            "starts_on": campaign.starts_on,
            "ends_on": campaign.ends_on,
            "villages": list(campaign.villages.all()),
            "focus_skills": list(campaign.focus_skills.all()),
            "daily_reporting": campaign.daily_reporting,
        }
    else:
        initial = {"starts_on": timezone.localdate(), "daily_reporting": True}
    form = wf.CampaignForm(request.POST or None, user=request.user, commune=commune, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.save_campaign(
                by=request.user, commune=commune, instance=campaign, data=form.cleaned_data
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            record_change(
                request,
                f"{'Sửa' if campaign else 'Tạo'} chiến dịch: {saved}",
                place=commune,
                obj=saved,
            )
            messages.success(request, f"Đã lưu chiến dịch “{saved.name}”.")
            return redirect("fieldwork:campaign_detail", pk=saved.pk)
    return form_page(
        request,
        form,
        title="Sửa chiến dịch" if campaign else f"Chiến dịch mới — {commune.name}",
        submit="Lưu chiến dịch",
        cancel=reverse("fieldwork:campaign_list"),
    )


@require_http_methods(["GET", "POST"])
@login_required
@workspace_form("commune", wf.CampaignForm)
def campaign_create(request: HttpRequest, pk: int) -> HttpResponse:
    return _campaign_form(request, commune_for_change(request, pk), None)


@require_http_methods(["GET", "POST"])
@login_required
@workspace_form("campaign", wf.CampaignForm)
def campaign_edit(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = access.get_visible_or_404(Campaign.objects.visible_to(request.user), pk=pk)
    return _campaign_form(request, commune_for_change(request, campaign.commune_id), campaign)
