"""通报 pages: supervisors compose a circular from closed cases and 天眼 findings, edit its text,
preview it, download it as .docx and publish it; the units it names then read it here."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.timezone import localdate
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hotline import clock
from hotline.accounts.access import SUPERVISING_ROLES, can_supervise
from hotline.domain.lifecycle import NotAllowed, Role
from hotline.supervision import circulars
from hotline.supervision.circular import circular_docx, circular_html
from hotline.supervision.circulars import CircularError
from hotline.supervision.models import Circular
from hotline.supervision.selectors import case_list, supervision_report_cached
from hotline.web import labels
from hotline.web.access import for_roles
from hotline.web.views.orders import signed_in_user

READERS = (SUPERVISING_ROLES, Role.HANDLER, Role.UNIT_LEAD)
FINDINGS_SHOWN = 100
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _finding_key(finding: dict[str, Any]) -> str:
    evidence = ",".join(str(seq) for seq in finding.get("evidence") or [])
    return f"{finding['detector']}|{finding.get('order') or ''}|{evidence}"


def _unit_findings() -> list[dict[str, Any]]:
    """The report's findings on orders and units (agents' findings concern no unit)."""
    findings = supervision_report_cached().get("findings", [])
    return [{**f, "key": _finding_key(f)} for f in findings if f.get("order") and f.get("unit")]


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise CircularError("issued_on", _("成文日期：请填写有效日期，如 2026-09-05")) from None


def _visible(request: HttpRequest, number: str) -> Circular:
    circular = circulars.circular_get(user=signed_in_user(request), number=number)
    if circular is None:
        raise Http404("no such circular")
    return circular


def _status(circular: Circular) -> str:
    return _("已发布") if circular.state == Circular.PUBLISHED else _("草稿")


@for_roles(*READERS)
def circular_list(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    names = circulars.unit_names()
    rows = [
        {
            "circular": c,
            "status": _status(c),
            "units": "、".join(names.get(code, code) for code in c.units),
        }
        for c in circulars.circular_list(user=user)[:200]
    ]
    return render(request, "web/circulars.html", {"rows": rows, "may_compose": can_supervise(user)})


def _compose_context(request: HttpRequest, values: dict[str, Any]) -> dict[str, Any]:
    user = signed_in_user(request)
    names = circulars.unit_names()
    cases = [
        {"case": c, "units": "、".join(names.get(code, code) for code in c.units) or "—"}
        for c in case_list(user=user).filter(state="closed", confirmed=True)[:200]
    ]
    findings = _unit_findings()
    detector, unit = request.GET.get("detector", ""), request.GET.get("unit", "")
    shown = [
        {
            **f,
            "detector_name": labels.DETECTORS.get(f["detector"], _("其他")),
            "unit_name": names.get(f["unit"], _("有关单位")),
        }
        for f in findings
        if (not detector or f["detector"] == detector) and (not unit or f["unit"] == unit)
    ]
    units = sorted({f["unit"] for f in findings})
    return {
        "values": values,
        "cases": cases,
        "findings": shown[:FINDINGS_SHOWN],
        "finding_total": len(shown),
        "detectors": labels.DETECTORS,
        "detector": detector,
        "units": [(code, names.get(code, _("有关单位"))) for code in units],
        "unit": unit,
    }


@for_roles(SUPERVISING_ROLES)
def circular_new(request: HttpRequest) -> HttpResponse:
    """拟稿: choose cases and findings, 文号, title and date; the body is proposed from them."""
    today = localdate(clock.now())
    values: dict[str, Any] = {
        "number": circulars.number_proposed(year=today.year),
        "title": circulars.TITLE,
        "issuer": circulars.ISSUER,
        "issued_on": today.isoformat(),
        "cases": request.GET.getlist("cases"),  # ?cases=XS…: a case page's "通报" link
        "findings": [],
    }
    errors: list[str] = []
    if request.method == "POST":
        post = request.POST
        values = {
            "number": post.get("number", ""),
            "title": post.get("title", ""),
            "issuer": post.get("issuer", ""),
            "issued_on": post.get("issued_on", ""),
            "cases": post.getlist("cases"),
            "findings": post.getlist("findings"),
        }
        by_key = {f["key"]: f for f in _unit_findings()}
        try:
            missing = [key for key in values["findings"] if key not in by_key]
            if missing:
                raise CircularError("findings", _("线索：所选线索已不在最新报告中，请重新选择"))
            circular = circulars.circular_draft(
                actor=signed_in_user(request),
                number=values["number"],
                title=values["title"],
                issuer=values["issuer"],
                issued_on=_day(values["issued_on"]),
                cases=values["cases"],
                findings=[by_key[key] for key in values["findings"]],
                detector_names=labels.DETECTORS,
            )
        except (CircularError, NotAllowed) as exc:
            errors.append(str(exc))
        else:
            messages.success(request, _("通报草稿已保存 ✓"))
            return redirect("web:circular", number=circular.number)
    context = _compose_context(request, values)
    context["errors"] = errors
    return render(request, "web/circular_new.html", context)


def _edits(request: HttpRequest) -> dict[str, Any]:
    post = request.POST
    headings, bodies = post.getlist("heading"), post.getlist("paragraphs")
    if len(headings) != len(bodies):
        raise CircularError("sections", _("正文：各部分的标题和内容不成对"))
    return {
        "number": post.get("number", ""),
        "title": post.get("title", ""),
        "issuer": post.get("issuer", ""),
        "addressee": post.get("addressee", ""),
        "issued_on": _day(post.get("issued_on", "")),
        "opening": post.get("opening", ""),
        "closing": post.get("closing", ""),
        "sections": [
            {"heading": heading, "paragraphs": body.splitlines()}
            for heading, body in zip(headings, bodies, strict=True)
        ],
    }


@for_roles(*READERS)
def circular_detail(request: HttpRequest, number: str) -> HttpResponse:
    """The circular laid out as the document; a supervisor edits a draft's text here."""
    circular = _visible(request, number)
    user = signed_in_user(request)
    editable = can_supervise(user) and circular.state == Circular.DRAFT
    errors: list[str] = []
    if request.method == "POST":
        if not editable:
            raise Http404("no such page")
        try:
            circular = circulars.circular_update(actor=user, circular=circular, **_edits(request))
        except (CircularError, NotAllowed) as exc:
            errors.append(str(exc))
        else:
            messages.success(request, _("通报草稿已保存 ✓"))
            return redirect("web:circular", number=circular.number)
    names = circulars.unit_names()
    return render(
        request,
        "web/circular.html",
        {
            "circular": circular,
            "status": _status(circular),
            "preview": circular_html(circulars.circular_document(circular)),
            "units": "、".join(names.get(code, code) for code in circular.units),
            "sections": [
                {"heading": s["heading"], "body": "\n".join(s["paragraphs"])}
                for s in circular.sections
            ],
            "editable": editable,
            "errors": errors,
        },
    )


@for_roles(*READERS)
def circular_download(request: HttpRequest, number: str) -> HttpResponse:
    """The .docx, named by its 文号."""
    circular = _visible(request, number)
    response = HttpResponse(circular_docx(circulars.circular_document(circular)), content_type=DOCX)
    filename = f"{circular.number}.docx"
    response["Content-Disposition"] = (
        f"attachment; filename=\"circular.docx\"; filename*=UTF-8''{quote(filename)}"
    )
    return response


@require_POST
@for_roles(SUPERVISING_ROLES)
def circular_publish(request: HttpRequest, number: str) -> HttpResponse:
    """印发: the units named see it from now on."""
    circular = _visible(request, number)
    try:
        circulars.circular_publish(actor=signed_in_user(request), circular=circular)
    except (CircularError, NotAllowed) as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("通报已发布，被点名单位可以看到 ✓"))
    return redirect("web:circular", number=circular.number)
