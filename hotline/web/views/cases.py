"""纪检监察 case pages (线索): the list, opening a case from a finding, an order or a unit, the
case with its hash-chained history and the forms its state allows now, the totals as
inspectors write them; and the unit lead's 整改报告 form (their inbox lists the notices)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hotline.accounts.access import SUPERVISING_ROLES
from hotline.accounts.models import Unit, User
from hotline.domain.lifecycle import GuardFailed, LifecycleError, Role
from hotline.domain.supervision.cases import (
    DISCIPLINE,
    FORMS,
    SEVERITIES,
    STAGE_NAMES,
    TRANSITIONS,
    CaseAction,
    CaseError,
    CaseState,
    form_of,
    stage_of,
)
from hotline.supervision import selectors, services
from hotline.supervision.models import SupervisionCase
from hotline.web import labels
from hotline.web.access import for_roles
from hotline.web.views.orders import signed_in_user
from hotline.workorders.attachments import CheckedFile, attachments_check

CASES_PER_PAGE = 25
SANCTION_ROWS = 3

# The steps a supervisor takes on the case page, in the order the page offers them.
STEPS: dict[str, Any] = {
    step: labels.CASE_ACTIONS[step]
    for step in ("assign", "attach_order", "verify", "notify_rectification", "hold_accountable",
                 "close")
}  # fmt: skip
FIELD_LABELS = {
    **labels.CASE_DATA_FIELDS,
    "case": gettext_lazy("线索"),
    "action": gettext_lazy("步骤"),
    "orders": gettext_lazy("工单号"),
    "opened_from": gettext_lazy("立案日期起"),
    "opened_to": gettext_lazy("立案日期止"),
    "from": gettext_lazy("起始日期"),
    "to": gettext_lazy("截止日期"),
    "person": gettext_lazy("姓名"),
    "position": gettext_lazy("职务"),
    "form": gettext_lazy("问责方式"),
    "severity": gettext_lazy("处分轻重"),
}


def _field_label(field: str) -> str:
    """``sanctions[1].severity`` → 第 2 人 处分轻重."""
    if field.startswith("sanctions[") and "]" in field:
        index, _sep, rest = field[len("sanctions[") :].partition("]")
        name = rest.lstrip(".")
        who = _("第 %(n)s 人") % {"n": int(index) + 1} if index.isdigit() else ""
        return f"{who} {FIELD_LABELS.get(name, name)}".strip()
    return str(FIELD_LABELS.get(field, field))


def _refusal(error: CaseError | GuardFailed) -> dict[str, str]:
    return {"field": _field_label(error.field), "message": str(error.message)}


def _day(value: str, field: str) -> date | None:
    if not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise CaseError(field, _("请填写日期（年-月-日）")) from None


def _local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _day_bound(
    value: str, field: str, *, end: bool, errors: list[dict[str, str]]
) -> datetime | None:
    """A date field as a local-midnight bound (``end``: the day after, so the day is included);
    None when empty, or when it is not a date (the refusal is added to ``errors``)."""
    try:
        day = _day(value, field)
    except CaseError as error:
        errors.append(_refusal(error))
        return None
    if day is None:
        return None
    return _local_midnight(day + timedelta(days=1) if end else day)


def _supervisors() -> list[User]:
    roles = [str(r) for r in SUPERVISING_ROLES]
    return list(User.objects.filter(role__in=roles, is_active=True).order_by("username"))


def _units() -> list[Unit]:
    return list(Unit.objects.filter(is_active=True).order_by("code"))


def _person(username: str) -> str:
    return labels.user_name(username) if username else "—"


# -- the list ------------------------------------------------------------------------------------


@for_roles(SUPERVISING_ROLES)
def case_list(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    cases = selectors.case_list(user=user)
    q = {
        k: request.GET.get(k, "").strip()
        for k in ("state", "unit", "detector", "assignee", "opened_from", "opened_to")
    }
    errors: list[dict[str, str]] = []
    if q["state"] in labels.CASE_STATES:
        cases = cases.filter(state=q["state"])
    if q["detector"]:
        cases = cases.filter(detector=q["detector"])
    if q["assignee"]:
        cases = cases.filter(assignee=q["assignee"])
    if q["unit"]:
        concerned = [pk for pk, units in cases.values_list("pk", "units") if q["unit"] in units]
        cases = cases.filter(pk__in=concerned)
    for name, lookup in (("opened_from", "opened_at__gte"), ("opened_to", "opened_at__lt")):
        bound = _day_bound(q[name], name, end=name == "opened_to", errors=errors)
        if bound is not None:
            cases = cases.filter(**{lookup: bound})
    page = Paginator(cases.order_by("-opened_at"), CASES_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "web/cases.html",
        {
            "page": page,
            "cases": page.object_list,
            "q": q,
            "query": urlencode(q),
            "errors": errors,
            "states": labels.CASE_STATES,
            "detectors": labels.DETECTORS,
            "units": _units(),
            "supervisors": _supervisors(),
        },
        status=422 if errors else 200,
    )


# -- opening a case ------------------------------------------------------------------------------


def _orders_of(text: str) -> list[str]:
    return [n for n in text.replace("，", ",").replace("\n", ",").split(",") if n.strip()]


def _evidence_of(text: str) -> list[int]:
    return [int(n) for n in text.replace("，", ",").split(",") if n.strip().isdigit()]


@for_roles(SUPERVISING_ROLES)
def case_new(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    source = request.POST if request.method == "POST" else request.GET
    detector = source.get("detector", "").strip()
    if detector and detector not in labels.DETECTORS:
        detector = ""
    units = [u for u in source.getlist("unit") + source.getlist("units") if u]
    orders = source.get("orders", "") or source.get("order", "")
    default_title = ""
    if detector:
        default_title = str(labels.DETECTORS[detector])
        if units:
            default_title = f"{labels.unit_name(units[0])}{default_title}"
    form: dict[str, Any] = {
        "title": source.get("title", default_title),
        "units": units,
        "detector": detector,
        "orders": orders,
        "explanation": source.get("explanation", ""),
        "evidence": source.get("evidence", ""),
    }
    error: dict[str, str] | None = None
    if request.method == "POST":
        numbers = _orders_of(orders)
        findings = [
            {
                "order": n.strip(),
                "detector": detector,
                "explanation": form["explanation"],
                "evidence": _evidence_of(form["evidence"]) if len(numbers) == 1 else [],
            }
            for n in numbers
        ]
        try:
            case = services.case_open(
                actor=user,
                title=form["title"],
                units=units,
                detector=detector,
                findings=findings,
            )
        except CaseError as refused:
            error = _refusal(refused)
        else:
            messages.success(request, _("已立线索 %(number)s ✓") % {"number": case.number})
            return redirect("web:case", number=case.number)
    return render(
        request,
        "web/case_new.html",
        {"form": form, "error": error, "units": _units(), "detectors": labels.DETECTORS},
        status=422 if error else 200,
    )


# -- one case ------------------------------------------------------------------------------------


def _visible_case(request: HttpRequest, number: str) -> SupervisionCase:
    case = selectors.case_get(user=signed_in_user(request), number=number)
    if case is None:
        raise Http404("no such case")
    return case


def _value(key: str, value: Any) -> str:
    if key in ("units", "unit"):
        names = [labels.unit_name(v) for v in (value if isinstance(value, list) else [value])]
        return "、".join(names) or "—"
    if key == "detector":
        return labels.label(labels.DETECTORS, value) if value else "—"
    if key == "deadline":
        return str(value)
    if key == "evidence" and isinstance(value, list):
        return "、".join(f"#{v}" for v in value) or "—"
    return labels.data_value(key, value)


def _sanction_line(item: dict[str, Any]) -> str:
    form = form_of(str(item.get("measure") or item.get("form") or ""))
    severity = str(item.get("severity") or "")
    if form == DISCIPLINE and not severity:
        severity = SEVERITIES[0]
    try:
        stage = str(STAGE_NAMES[stage_of(form, severity)])
    except ValueError:
        stage = ""
    where = " ".join(
        part
        for part in (
            labels.unit_name(item["unit"]) if item.get("unit") else "",
            str(item.get("position") or ""),
        )
        if part
    )
    person = str(item.get("person") or "")
    head = f"{person}（{where}）" if where else person
    what = f"{form}（{severity}）" if form == DISCIPLINE else form
    return f"{head}：{what} · {stage}"


def _timeline(case: SupervisionCase) -> list[dict[str, Any]]:
    files: dict[int, list[Any]] = {}
    for f in case.files.all():
        files.setdefault(f.seq, []).append(f)
    rows = []
    for event in case.events.order_by("seq"):
        data = dict(event.data or {})
        lines = []
        for key, value in data.items():
            if key == "attachments":
                continue  # listed with their links below
            if key == "sanctions" and isinstance(value, list):
                text = [_sanction_line(v) for v in value if isinstance(v, dict)]
            else:
                text = [_value(key, value)]
            label = labels.CASE_DATA_FIELDS.get(key, key)
            lines.append({"key": key, "label": label, "lines": text})
        rows.append(
            {
                "seq": event.seq,
                "at": event.at,
                "actor": _person(event.actor),
                "label": labels.CASE_ACTIONS.get(event.action, event.action),
                "data": lines,
                "files": files.get(event.seq, []),
                "hash": event.hash,
            }
        )
    return rows


def _allowed_steps(case: SupervisionCase) -> list[str]:
    state = CaseState(case.state)
    open_units = set(case.notices.filter(reported_at=None).values_list("unit", flat=True))
    allowed = []
    for step in STEPS:
        sources, _target = TRANSITIONS[CaseAction(step)]
        if state not in sources:
            continue
        if step == "notify_rectification" and (
            case.confirmed is not True or not set(case.units) - open_units
        ):
            continue
        allowed.append(step)
    return allowed


def _case_page(
    request: HttpRequest,
    case: SupervisionCase,
    *,
    errors: dict[str, dict[str, str]] | None = None,
    posted: dict[str, Any] | None = None,
) -> HttpResponse:
    open_units = set(case.notices.filter(reported_at=None).values_list("unit", flat=True))
    sanctions = [
        {
            "line": _sanction_line(
                {
                    "person": s.person,
                    "unit": s.unit,
                    "position": s.position,
                    "measure": s.measure,
                    "severity": s.severity,
                }
            )
        }
        for s in case.sanctions.order_by("id")
    ]
    rows = (posted or {}).get("rows") or [{} for _i in range(SANCTION_ROWS)]
    return render(
        request,
        "web/case.html",
        {
            "case": case,
            "state_name": labels.label(labels.CASE_STATES, case.state),
            "unit_names": "、".join(labels.unit_name(u) for u in case.units) or "—",
            "orders": [
                {
                    "number": o.order,
                    "detector": o.detector,
                    "explanation": o.explanation,
                    "evidence": ",".join(str(e) for e in o.evidence),
                    "first": o.evidence[0] if o.evidence else None,
                }
                for o in case.orders.order_by("id")
            ],
            "notices": case.notices.order_by("id"),
            "sanctions": sanctions,
            "timeline": _timeline(case),
            "steps": [(s, STEPS[s]) for s in _allowed_steps(case)],
            "errors": errors or {},
            "posted": posted or {},
            "sanction_rows": rows,
            "supervisors": _supervisors(),
            "notice_units": [(u, labels.unit_name(u)) for u in case.units if u not in open_units],
            "units": _units(),
            "forms": FORMS,
            "severities": SEVERITIES,
            "discipline": DISCIPLINE,
            "today": timezone.localdate(),
        },
        status=422 if errors else 200,
    )


@for_roles(SUPERVISING_ROLES)
def case_detail(request: HttpRequest, number: str) -> HttpResponse:
    return _case_page(request, _visible_case(request, number))


def _uploads(request: HttpRequest) -> list[CheckedFile]:
    uploads = request.FILES.getlist("attachments")
    limit = int(settings.HOTLINE_ATTACHMENT_MAX_BYTES)
    for upload in uploads:
        if (upload.size or 0) > limit:  # refuse before reading it into memory
            raise GuardFailed("attachments", f"{upload.name} > {limit / 1e6:.0f} MB")
    return attachments_check([(upload.name or "", upload.read()) for upload in uploads])


def _sanction_rows(post: Any) -> list[dict[str, str]]:
    rows = []
    index = 0
    while f"person_{index}" in post and index < 50:
        rows.append(
            {
                k: post.get(f"{k}_{index}", "").strip()
                for k in ("person", "unit", "position", "form", "severity")
            }
        )
        index += 1
    return rows


def _do_assign(user: User, case: SupervisionCase, post: Any, request: HttpRequest) -> None:
    services.case_assign(actor=user, case=case.number, assignee=post.get("assignee", ""))


def _do_attach(user: User, case: SupervisionCase, post: Any, request: HttpRequest) -> None:
    services.case_attach_order(
        actor=user,
        case=case.number,
        order=post.get("order", "").strip(),
        explanation=post.get("explanation", ""),
    )


def _do_verify(user: User, case: SupervisionCase, post: Any, request: HttpRequest) -> None:
    choice = post.get("confirmed", "")
    if choice not in ("yes", "no"):
        raise CaseError("confirmed", _("请选择问题是否属实"))
    services.case_verify(
        actor=user,
        case=case.number,
        confirmed=choice == "yes",
        note=post.get("note", ""),
        attachments=_uploads(request),
    )


def _do_notify(user: User, case: SupervisionCase, post: Any, request: HttpRequest) -> None:
    deadline = _day(post.get("deadline", ""), "deadline")
    if deadline is None:
        raise CaseError("deadline", _("请填写整改期限"))
    services.case_notify_rectification(
        actor=user,
        case=case.number,
        unit=post.get("unit", ""),
        deadline=deadline,
        requirements=post.get("requirements", ""),
    )


def _do_hold(user: User, case: SupervisionCase, post: Any, request: HttpRequest) -> None:
    rows = [row for row in _sanction_rows(post) if any(row.values())]
    services.case_hold_accountable(actor=user, case=case.number, sanctions=rows)


def _do_close(user: User, case: SupervisionCase, post: Any, request: HttpRequest) -> None:
    services.case_close(actor=user, case=case.number, conclusion=post.get("conclusion", ""))


DOERS: dict[str, Callable[[User, SupervisionCase, Any, HttpRequest], None]] = {
    "assign": _do_assign,
    "attach_order": _do_attach,
    "verify": _do_verify,
    "notify_rectification": _do_notify,
    "hold_accountable": _do_hold,
    "close": _do_close,
}


@for_roles(SUPERVISING_ROLES)
def case_act(request: HttpRequest, number: str, step: str) -> HttpResponse:
    if request.method != "POST":
        raise Http404("steps are posted")
    user = signed_in_user(request)
    case = _visible_case(request, number)
    if step not in DOERS:
        raise Http404("no such step")
    try:
        DOERS[step](user, case, request.POST, request)
    except (CaseError, GuardFailed) as refused:
        posted: dict[str, Any] = {
            k: request.POST.get(k, "") for k in request.POST if k != "csrfmiddlewaretoken"
        }
        rows = _sanction_rows(request.POST)
        posted["rows"] = rows + [{} for _i in range(max(0, SANCTION_ROWS - len(rows)))]
        case.refresh_from_db()
        return _case_page(request, case, errors={step: _refusal(refused)}, posted=posted)
    except LifecycleError as refused:
        messages.error(request, f"{STEPS[step]}: {refused}")
        return redirect("web:case", number=number)
    messages.success(request, f"{STEPS[step]} ✓")
    return redirect("web:case", number=number)


@for_roles(SUPERVISING_ROLES)
def case_file(request: HttpRequest, number: str, file_id: int) -> FileResponse:
    case = _visible_case(request, number)
    found = case.files.filter(pk=file_id).first()
    if found is None:
        raise Http404("no such file")
    return FileResponse(
        found.file.open("rb"),
        as_attachment=True,
        filename=found.name,
        content_type=found.content_type,
    )


# -- totals --------------------------------------------------------------------------------------


@for_roles(SUPERVISING_ROLES)
def case_totals(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    period = request.GET.get("period", "month")
    if period not in selectors.PERIODS:
        period = "month"
    q = {"period": period, "from": request.GET.get("from", ""), "to": request.GET.get("to", "")}
    errors: list[dict[str, str]] = []
    bounds = {
        name: _day_bound(q[name], name, end=name == "to", errors=errors) for name in ("from", "to")
    }
    totals = selectors.supervision_totals(
        user=user, since=bounds["from"], until=bounds["to"], period=period
    )
    return render(
        request,
        "web/case_totals.html",
        {
            "q": q,
            "t": totals,
            "errors": errors,
            "by_unit": [
                (labels.unit_name(u) if u else "—", n) for u, n in totals["by_unit"].items()
            ],
            "periods": {"month": _("按月"), "quarter": _("按季度")},
            "stage_names": STAGE_NAMES,
        },
        status=422 if errors else 200,
    )


# -- the unit lead's 整改报告 ---------------------------------------------------------------------


@for_roles(Role.UNIT_LEAD)
def rectification_report(request: HttpRequest, number: str) -> HttpResponse:
    if request.method != "POST":
        raise Http404("reports are posted")
    user = signed_in_user(request)
    try:
        services.case_report_rectification(
            actor=user,
            case=number,
            report=request.POST.get("report", ""),
            attachments=_uploads(request),
        )
    except (CaseError, GuardFailed) as refused:
        error = _refusal(refused)
        messages.error(request, f"{_('整改报告')} {number}：{error['field']}：{error['message']}")
    except LifecycleError:
        raise Http404("no such notice") from None
    else:
        messages.success(request, _("整改报告已提交 %(number)s ✓") % {"number": number})
    return redirect("web:inbox")
