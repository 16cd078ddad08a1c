"""Certificate screens of the commune workspace, and the public verification page.

Officers of the class's commune issue, revoke, reissue and print (`commune_for_change`); its leaders read
and print (`commune_for_reading`); everyone else gets 404. Every write and every printed file is audited.
The verification page needs no sign-in and shows only the holder's initials, the class, its date and the
issuing commune; guessing codes is slowed per address in the shared cache.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from binhdan.accounts import access, audit
from binhdan.accounts.fields import workspace_form
from binhdan.accounts.models import AuditEvent
from binhdan.accounts.workspace import commune_for_change, commune_for_reading, record_change
from binhdan.certificates import document, services
from binhdan.certificates.forms import IssueForm, ReissueForm, RevokeForm
from binhdan.certificates.models import Certificate, normalise_code
from binhdan.common.forms import errors_to_form, form_page
from binhdan.common.net import client_key
from binhdan.common.throttle import Limit
from binhdan.fieldwork.models import CommunityClass
from binhdan.fieldwork.services import class_commune
from binhdan.places.models import Place
from binhdan.reports.documents import DocumentError

PAGE_SIZE = 50
# Wrong codes per address, and all lookups per address (a right code found by luck is still a lookup).
WRONG_CODES_PER_ADDRESS = Limit("certificate-code-address", tries=20, seconds=15 * 60)
LOOKUPS_PER_ADDRESS = Limit("certificate-lookup-address", tries=200, seconds=15 * 60)
TOO_MANY = "Bạn đã thử quá nhiều mã kiểm tra. Vui lòng đợi 15 phút rồi thử lại."
PDF_TYPE = "application/pdf"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def initials(full_name: str) -> str:
    """ "Nguyễn Thị Hoà" -> "N. T. H." (the first letter of each word, in capitals)."""
    return " ".join(f"{word[0].upper()}." for word in full_name.split() if word[:1].isalpha())


# --- the public page ------------------------------------------------------------------------------------


def _public(request: HttpRequest, template: str, context: dict[str, Any], status: int) -> HttpResponse:
    response = render(request, template, context, status=status)
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


@require_GET
def verify(request: HttpRequest, code: str) -> HttpResponse:
    address = client_key(request)
    if WRONG_CODES_PER_ADDRESS.exceeded(address) or LOOKUPS_PER_ADDRESS.exceeded(address):
        return _public(request, "certificates/verify_limited.html", {"message": TOO_MANY}, 429)
    LOOKUPS_PER_ADDRESS.hit(address)
    normalised = normalise_code(code)
    certificate = (
        Certificate.objects.select_related("commune", "community_class", "resident")
        .filter(code=normalised)
        .first()
        if normalised
        else None
    )
    if certificate is None:
        WRONG_CODES_PER_ADDRESS.hit(address)
        return _public(request, "certificates/verify_missing.html", {}, 404)
    erased = certificate.holder_erased or certificate.resident.erased_at is not None
    shown = {
        "initials": "" if erased else initials(certificate.resident.full_name),
        "erased": erased,
        "class_title": certificate.community_class.title,
        "class_kind": certificate.community_class.get_kind_display(),
        "held_on": certificate.community_class.held_on,
        "issued_on": certificate.issued_on,
        "commune": certificate.commune.name,
        "revoked": certificate.is_revoked or erased,
        "revoked_on": certificate.revoked_at,
    }
    return _public(request, "certificates/verify.html", {"shown": shown, "note": document.NOT_PCKS_NOTE}, 200)


# --- the workspace ---------------------------------------------------------------------------------------


def _classes_of(commune: Place) -> Any:
    return CommunityClass.objects.filter(Q(place=commune) | Q(place__parent=commune))


@require_GET
@login_required
def commune_classes(request: HttpRequest, pk: int) -> HttpResponse:
    commune = commune_for_reading(request, pk)
    classes = (
        _classes_of(commune)
        .select_related("place")
        .annotate(
            attendees=Count("attendance", distinct=True),
            issued=Count("certificates", filter=Q(certificates__revoked_at__isnull=True), distinct=True),
        )
        .order_by("-held_on", "-pk")
    )
    page = Paginator(classes, PAGE_SIZE).get_page(request.GET.get("trang"))
    totals = Certificate.objects.filter(commune=commune).aggregate(
        valid=Count("pk", filter=Q(revoked_at__isnull=True)),
        revoked=Count("pk", filter=Q(revoked_at__isnull=False)),
    )
    return render(
        request,
        "certificates/commune.html",
        {"commune": commune, "page": page, "totals": totals, "note": document.NOT_PCKS_NOTE},
    )


def _class_for(request: HttpRequest, pk: int, *, change: bool) -> tuple[CommunityClass, Place]:
    community_class = access.get_visible_or_404(
        CommunityClass.objects.visible_to(request.user).select_related("place__parent"), pk=pk
    )
    commune_pk = class_commune(community_class).pk
    commune = commune_for_change(request, commune_pk) if change else commune_for_reading(request, commune_pk)
    return community_class, commune


def _certificate_for(request: HttpRequest, pk: int, *, change: bool) -> tuple[Certificate, Place]:
    certificate = access.get_visible_or_404(
        Certificate.objects.visible_to(request.user).select_related("community_class", "resident"), pk=pk
    )
    reader = commune_for_change if change else commune_for_reading
    return certificate, reader(request, certificate.commune_id)


def _issue_form(
    request: HttpRequest, community_class: CommunityClass, commune: Place, data: Any = None
) -> IssueForm:
    form = IssueForm(data, user=request.user, commune=commune)
    field = form.fields["residents"]
    field.queryset = field.queryset.filter(pk__in=services.attendees_without_certificate(community_class))  # type: ignore[attr-defined]
    return form


@require_GET
@login_required
def class_certificates(request: HttpRequest, pk: int) -> HttpResponse:
    community_class, commune = _class_for(request, pk, change=False)
    can_manage = access.can_manage_place(request.user, commune)
    attendance = list(
        community_class.attendance.select_related("resident__household__village").order_by(
            "resident__sort_name"
        )
    )
    papers: dict[int, list[Certificate]] = {}
    for paper in community_class.certificates.order_by("-created_at", "-pk"):
        papers.setdefault(paper.resident_id, []).append(paper)
    rows = [{"resident": a.resident, "papers": papers.get(a.resident_id, [])} for a in attendance]
    valid = sum(1 for found in papers.values() for p in found if not p.is_revoked)
    form = _issue_form(request, community_class, commune) if can_manage else None
    return render(
        request,
        "certificates/class.html",
        {
            "commune": commune,
            "c": community_class,
            "rows": rows,
            "valid": valid,
            "form": form,
            "can_manage": can_manage,
            "note": document.NOT_PCKS_NOTE,
        },
    )


@require_POST
@login_required
@workspace_form("class", IssueForm)
def class_issue(request: HttpRequest, pk: int) -> HttpResponse:
    community_class, commune = _class_for(request, pk, change=True)
    form = _issue_form(request, community_class, commune, request.POST)
    back = reverse("certificates:class", args=[community_class.pk])
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, f"Chưa cấp giấy: {error}")
        return redirect(back)
    data = form.cleaned_data
    residents = (
        list(services.attendees_without_certificate(community_class))
        if data["everyone"]
        else list(data["residents"])
    )
    if not residents:
        messages.error(request, "Chưa cấp giấy: mọi người đã tham dự đều đã có giấy chứng nhận.")
        return redirect(back)
    try:
        made = services.issue_certificates(
            by=request.user,
            community_class=community_class,
            residents=residents,
            issued_on=data["issued_on"],
            signer_capacity=data["signer_capacity"],
            signer_name=data["signer_name"],
        )
    except ValidationError as exc:
        for error in exc.messages:
            messages.error(request, f"Chưa cấp giấy: {error}")
        return redirect(back)
    record_change(
        request,
        f"Cấp {len(made)} giấy chứng nhận lớp #{community_class.pk}: "
        + ", ".join(str(c.pk) for c in made)[:200],
        place=community_class.place,
        obj=community_class,
    )
    messages.success(request, f"Đã cấp {len(made)} giấy chứng nhận.")
    return redirect(back)


@require_http_methods(["GET", "POST"])
@login_required
@workspace_form("certificate", RevokeForm)
def certificate_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    certificate, commune = _certificate_for(request, pk, change=True)
    back = reverse("certificates:class", args=[certificate.community_class_id])
    if certificate.is_revoked:
        messages.error(request, "Giấy này đã bị thu hồi từ trước.")
        return redirect(back)
    form = RevokeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.revoke_certificate(
                by=request.user, certificate=certificate, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            record_change(
                request, f"Thu hồi giấy chứng nhận số {certificate.number}", place=commune, obj=certificate
            )
            messages.success(request, f"Đã thu hồi giấy chứng nhận số {certificate.number}.")
            return redirect(back)
    return form_page(
        request,
        form,
        title=f"Thu hồi giấy chứng nhận số {certificate.number}",
        intro=f"Lớp “{certificate.community_class.title}”, người được cấp: {certificate.resident.full_name}.",
        warning="Sau khi thu hồi, trang kiểm tra công khai của giấy sẽ ghi “ĐÃ THU HỒI”.",
        submit="Thu hồi giấy",
        cancel=back,
    )


@require_http_methods(["GET", "POST"])
@login_required
@workspace_form("certificate", ReissueForm)
def certificate_reissue(request: HttpRequest, pk: int) -> HttpResponse:
    certificate, commune = _certificate_for(request, pk, change=True)
    back = reverse("certificates:class", args=[certificate.community_class_id])
    form = ReissueForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            new = services.reissue_certificate(
                by=request.user,
                certificate=certificate,
                reason=form.cleaned_data["reason"],
                issued_on=form.cleaned_data["issued_on"],
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            record_change(
                request,
                f"Cấp lại giấy chứng nhận số {certificate.number} thành số {new.number}",
                place=commune,
                obj=new,
            )
            messages.success(request, f"Đã cấp lại: giấy mới số {new.number}; giấy cũ đã bị thu hồi.")
            return redirect(back)
    return form_page(
        request,
        form,
        title=f"Cấp lại giấy chứng nhận số {certificate.number}",
        intro=f"Lớp “{certificate.community_class.title}”, người được cấp: {certificate.resident.full_name}.",
        warning="Giấy cũ bị thu hồi; giấy mới có số mới và mã kiểm tra mới.",
        submit="Cấp lại giấy",
        cancel=back,
    )


def _file(request: HttpRequest, papers: list[Certificate], name: str, commune: Place) -> HttpResponse:
    wanted = request.GET.get("dinh-dang", "pdf")
    if wanted not in ("pdf", "docx"):
        raise Http404
    try:
        data = document.render_pdf(papers) if wanted == "pdf" else document.render_docx(papers)
    except DocumentError as exc:
        messages.error(request, str(exc))
        return redirect(reverse("certificates:class", args=[papers[0].community_class_id]))
    audit.record(
        request,
        AuditEvent.Action.EXPORT,
        place=commune,
        obj=papers[0] if len(papers) == 1 else None,
        detail=f"In {len(papers)} giấy chứng nhận ({wanted}): " + ", ".join(str(p.pk) for p in papers)[:200],
    )
    response = HttpResponse(data, content_type=PDF_TYPE if wanted == "pdf" else DOCX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{name}.{wanted}"'
    response["Cache-Control"] = "no-store"
    return response


def _printable(queryset: Any) -> list[Certificate]:
    return list(
        queryset.select_related("commune", "community_class", "resident")
        .prefetch_related("community_class__skills")
        .order_by("serial")
    )


@require_GET
@login_required
def class_file(request: HttpRequest, pk: int) -> HttpResponse:
    community_class, commune = _class_for(request, pk, change=False)
    papers = _printable(community_class.certificates.valid().filter(holder_erased=False))
    if not papers:
        messages.error(request, "Lớp chưa có giấy chứng nhận nào còn hiệu lực để in.")
        return redirect(reverse("certificates:class", args=[community_class.pk]))
    return _file(request, papers, f"giay-chung-nhan-lop-{community_class.pk}", commune)


@require_GET
@login_required
def certificate_file(request: HttpRequest, pk: int) -> HttpResponse:
    certificate, commune = _certificate_for(request, pk, change=False)
    if certificate.is_revoked:
        raise Http404  # a withdrawn paper is not printed again; reissue it
    papers = _printable(Certificate.objects.filter(pk=certificate.pk))
    return _file(request, papers, f"giay-chung-nhan-{certificate.year}-{certificate.serial}", commune)
