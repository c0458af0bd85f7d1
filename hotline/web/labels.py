"""The one place that turns codes into the names people read: states, kinds, channels, actions,
detectors, roles, order fields and event-data fields (translatable: Chinese msgids, English in
hotline/locale), and the names of units, categories and areas from the reference data.

Pages and exports never show a code (``fangguan``, ``water-supply``, ``close_review``) or a raw
value (``0.98611``, ``2026-09-05T22:41:47+08:00``, ``{'phone': …}``): they go through these
tables, the template filters in hotline/web/templatetags/names.py and ``event_data`` below.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from django.db.models.signals import post_delete, post_save
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.functional import Promise
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from hotline.accounts.models import Unit, User
from hotline.domain.lifecycle import Role
from hotline.reference.models import Area, Category

STATES = {
    "received": _("已受理"),
    "dispatched": _("待签收"),
    "handling": _("办理中"),
    "unit_return_review": _("退单待单位审核"),
    "unit_close_review": _("办结待单位审核"),
    "return_review": _("退单审核中"),
    "close_review": _("办结审核中"),
    "closed": _("已办结"),
    "archived": _("已归档"),
    "merged": _("已并单"),
}
KINDS = {
    "consult": _("咨询"),
    "help": _("求助"),
    "complaint": _("投诉"),
    "report": _("举报"),
    "suggestion": _("建议"),
}
CHANNELS = {
    "phone": _("电话"),
    "web": _("网站"),
    "app": _("APP"),
    "wechat": _("微信"),
    "email": _("邮件"),
    "open311": _("Open311"),
    "import": _("导入"),
}
URGENCIES = {"normal": _("一般"), "urgent": _("紧急")}
CONTACT_METHODS = {
    "phone": _("电话"),
    "sms": _("短信"),
    "visit": _("上门"),
    "other": _("其他"),
}
SEVERITIES = {"high": _("高"), "medium": _("中"), "low": _("低")}

# Every order action (hotline.domain.lifecycle.Action) by its name.
ACTION_NAMES = {
    "create": _("受理"),
    "answer_directly": _("直接办结"),
    "dispatch": _("派单"),
    "reassign": _("改派"),
    "accept": _("签收"),
    "contact": _("联系诉求人"),
    "visit": _("现场查看"),
    "reply": _("答复"),
    "assist_opinion": _("协办意见"),
    "request_extension": _("申请延期"),
    "approve_extension": _("延期通过"),
    "reject_extension": _("延期驳回"),
    "submit_return": _("退单报单位审核"),
    "submit_close": _("办结报单位审核"),
    "send_back": _("单位审核退回"),
    "request_return": _("申请退单"),
    "approve_return": _("退单通过"),
    "reject_return": _("退单驳回"),
    "request_close": _("申请办结"),
    "approve_close": _("办结通过"),
    "reject_close": _("办结驳回"),
    "urge": _("督办"),
    "follow_up": _("回访"),
    "rate": _("评价"),
    "reopen": _("重办"),
    "merge": _("并单"),
    "archive": _("归档"),
    "mark_key": _("标记重点工单"),
}
# Order fields (hotline.domain.policy.OrderField), as the order and tracking pages name them.
ORDER_FIELDS = {
    "number": _("工单号"),
    "state": _("状态"),
    "version": _("版本"),
    "kind": _("类型"),
    "channel": _("渠道"),
    "urgency": _("紧急程度"),
    "category": _("分类"),
    "text": _("诉求"),
    "location": _("地点"),
    "area": _("行政区划"),
    "coordinates": _("坐标"),
    "call_id": _("来电编号"),
    "caller_name": _("来电人"),
    "caller_phone": _("联系电话"),
    "caller_address": _("联系地址"),
    "caller_email": _("电子邮箱"),
    "unit": _("承办单位 / 首接单位"),
    "assist_units": _("协办单位"),
    "accept_deadline": _("签收时限"),
    "handle_deadline": _("办理时限"),
    "times": _("受理 / 更新时间"),
    "milestones": _("签收 / 办结时间"),
    "counts": _("退单 / 督办次数"),
    "follow_up": _("回访 联系上 / 解决 / 满意"),
    "rating": _("评价"),
    "merged_into": _("并入工单"),
}
DETECTORS = {
    "bounce": _("推诿扯皮（反复流转）"),
    "rejected_return": _("退单被驳回"),
    "rejected_close": _("办结被驳回"),
    "close_without_contact": _("未联系即办结"),
    "unreviewed_request": _("未经单位审核"),
    "overdue_accept": _("超时签收"),
    "overdue_handle": _("超期办理"),
    "overdue_follow_up": _("回访超时"),
    "stalled": _("长期无进展"),
    "unsatisfied_after_close": _("办结后不满意"),
    "repeat_request": _("重复诉求"),
    "boilerplate_reply": _("模板化答复"),
    "reply_mismatch": _("答非所问"),
    "long_busy": _("话务员长时间置忙"),
    "away_from_post": _("话务员脱岗"),
    "missed_callback": _("未接来电未回拨"),
}
# The action forms' fields (the API's request schemas), as the order page labels them.
FIELDS = {
    "to_unit": _("主办单位"),
    "assist": _("协办单位（可多选）"),
    "note": _("说明"),
    "category": _("改类为（可选）"),
    "answer": _("答复内容"),
    "article": _("知识库文章编号"),
    "method": _("联系方式"),
    "text": _("答复内容"),
    "days": _("延期工作日"),
    "reason": _("理由"),
    "basis": _("依据"),
    "suggested_unit": _("建议承办单位"),
    "result": _("办理结果"),
    "evidence": _("证据（逗号分隔）"),
    "reached": _("是否联系上"),
    "resolved": _("是否解决"),
    "satisfied": _("是否满意"),
    "score": _("评分（1–5）"),
    "comment": _("评价"),
    "into": _("并入工单号"),
}
# The keys of an order event's data (and of the dicts nested in it), as the timeline labels them.
DATA_FIELDS = {
    "channel": _("渠道"),
    "kind": _("类型"),
    "category": _("分类"),
    "text": _("内容"),
    "location": _("地点"),
    "area": _("行政区划"),
    "urgency": _("紧急程度"),
    "caller": _("来电人"),
    "name": _("姓名"),
    "phone": _("电话"),
    "address": _("地址"),
    "email": _("电子邮箱"),
    "lat": _("纬度"),
    "long": _("经度"),
    "attributes": _("附加信息"),
    "call_id": _("来电编号"),
    "suggested": _("分类建议"),
    "score": _("评分"),
    "accept_deadline": _("签收时限"),
    "deadline": _("办理时限"),
    "handle_deadline": _("办理时限"),
    "catalogue": _("派单目录"),
    "entry": _("目录条目"),
    "version": _("版本"),
    "followed": _("按目录派单"),
    "lead_unit": _("主办单位"),
    "to_unit": _("主办单位"),
    "unit": _("单位"),
    "assist": _("协办单位"),
    "assist_units": _("协办单位"),
    "note": _("说明"),
    "answer": _("答复内容"),
    "article": _("知识库文章"),
    "method": _("联系方式"),
    "days": _("延期工作日"),
    "reason": _("理由"),
    "basis": _("依据"),
    "suggested_unit": _("建议承办单位"),
    "result": _("办理结果"),
    "submission": _("转报的单位审核申请（步骤号）"),
    "evidence": _("证据"),
    "reached": _("联系上"),
    "resolved": _("已解决"),
    "satisfied": _("满意"),
    "comment": _("评价"),
    "into": _("并入工单"),
    "attachments": _("附件"),
    "size": _("大小"),
    "sha256": _("SHA-256"),
    "content_type": _("类型"),
}

# -- names from the reference data (units, categories, areas) ----------------------------------

NAME_CACHE_SECONDS = 60.0
_names: dict[str, tuple[float, dict[str, str]]] = {}
_lock = threading.Lock()
# kind → (model, code field, name field)
_SOURCES: dict[str, tuple[Any, str, str]] = {
    "unit": (Unit, "code", "name"),
    "category": (Category, "code", "name"),
    "area": (Area, "code", "name"),
    "user": (User, "username", "first_name"),
}


def _table(kind: str) -> dict[str, str]:
    """code → name for one kind, cached for the process (names change rarely; a save clears it)."""
    now = time.monotonic()
    cached = _names.get(kind)
    if cached is not None and now - cached[0] < NAME_CACHE_SECONDS:
        return cached[1]
    model, code_field, name_field = _SOURCES[kind]
    rows = model.objects.exclude(**{name_field: ""})
    if model is User:  # the staff, who act on orders; citizens keep what the policy shows
        rows = rows.exclude(role=Role.CITIZEN)
    rows = rows.values_list(code_field, name_field)
    table = {str(code): str(name) for code, name in rows}
    with _lock:
        _names[kind] = (now, table)
    return table


def names_forget(**_: Any) -> None:
    """Forget the cached names (on any save or delete of a unit, category or area)."""
    with _lock:
        _names.clear()


for _model, _code, _name in _SOURCES.values():
    post_save.connect(names_forget, sender=_model, dispatch_uid=f"labels-{_model.__name__}")
    post_delete.connect(names_forget, sender=_model, dispatch_uid=f"labels-{_model.__name__}-d")


def unit_name(code: Any) -> str:
    return _named("unit", code)


def category_name(code: Any) -> str:
    return _named("category", code)


def area_name(code: Any) -> str:
    return _named("area", code)


def user_name(username: Any) -> str:
    """A staff member by their name (派单员小李) rather than their user name, if they have one."""
    return _named("user", username)


def unit_names() -> dict[str, str]:
    return dict(_table("unit"))


def category_names() -> dict[str, str]:
    return dict(_table("category"))


def area_names() -> dict[str, str]:
    return dict(_table("area"))


def _named(kind: str, code: Any) -> str:
    if code is None or code == "":
        return "—"
    return _table(kind).get(str(code), str(code))


def label(table: Mapping[str, Any], code: Any) -> str:
    """The name of ``code`` in one of the tables above; "—" for none; the code if unknown."""
    if code is None or code == "":
        return "—"
    return str(table.get(str(code), code))


# -- values as people read them ----------------------------------------------------------------


def local_time(value: Any, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """An aware datetime or an ISO string as local time (Asia/Shanghai): "2026-09-05 22:41"."""
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        parsed = parse_datetime(value)
        if parsed is None:
            return value
        value = parsed
    if isinstance(value, datetime):
        if timezone.is_naive(value):
            value = timezone.make_aware(value)
        return timezone.localtime(value).strftime(fmt)
    if isinstance(value, date):
        return value.strftime("%Y-%m-%d")
    return str(value)


def percent(value: Any, digits: int = 1) -> str:
    """A rate 0..1 as a percentage with one decimal: 0.98611 → "98.6%"; None → "—"."""
    if value is None or value == "":
        return "—"
    try:
        return f"{float(value) * 100:.{digits}f}%"
    except (TypeError, ValueError):
        return str(value)


def number(value: Any) -> str:
    """A number without float noise: 3 → "3", 0.9861111 → "0.99"."""
    if isinstance(value, bool):
        return yes_no(value)
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".") if value == value else "—"
    return str(value)


def yes_no(value: Any) -> str:
    if value is None:
        return "—"
    return gettext("是") if value else gettext("否")


# Data keys whose values are codes of these kinds, or times.
_UNIT_KEYS = {"to_unit", "lead_unit", "unit", "suggested_unit", "assist", "assist_units"}
_CODE_TABLES: dict[str, Mapping[str, Any]] = {
    "channel": CHANNELS,
    "kind": KINDS,
    "urgency": URGENCIES,
    "method": CONTACT_METHODS,
    "state": STATES,
    "action": ACTION_NAMES,
    "detector": DETECTORS,
    "severity": SEVERITIES,
}
COORDINATE_KEYS = {"lat", "long", "latitude", "longitude"}
_TIME_KEYS = {"accept_deadline", "deadline", "handle_deadline", "at", "started_at", "ended_at"}


def field_label(key: Any) -> str:
    """A data or form field's label; an unknown key is shown as it is (never happens on purpose)."""
    key = str(key)
    for table in (DATA_FIELDS, ORDER_FIELDS, FIELDS):
        if key in table:
            return str(table[key])
    return key


def data_value(key: str, value: Any) -> str:
    """One data value as text: codes → names, times → local time, booleans → 是/否, lists
    joined with 、, dicts as "label：value" pairs; never a Python repr."""
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if isinstance(value, bool):
        return yes_no(value)
    if isinstance(value, Mapping):
        return "；".join(f"{field_label(k)}：{data_value(str(k), v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return "、".join(data_value(key, v) for v in value)
    if key in _UNIT_KEYS:
        return unit_name(value)
    if key == "category":
        return category_name(value)
    if key == "area":
        return area_name(value)
    if key in _CODE_TABLES:
        return label(_CODE_TABLES[key], value)
    if key in _TIME_KEYS or isinstance(value, datetime):
        return local_time(value)
    if key in COORDINATE_KEYS and isinstance(value, int | float):
        return f"{value:.4f}"
    if key == "size" and isinstance(value, int):
        return f"{value / 1024:.1f} KB" if value >= 1024 else f"{value} B"
    if isinstance(value, int | float):
        return number(value)
    if isinstance(value, Promise):
        return str(value)
    return str(value)


def event_data(data: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """An event's data for the timeline: one row per key, labelled, its value as lines of text
    (a nested dict or a list of dicts gives one line each), attachments kept for their links."""
    rows: list[dict[str, Any]] = []
    for key, value in (data or {}).items():
        key = str(key)
        if key == "attachments" and isinstance(value, list):
            lines = [
                f"{a.get('name', '')}（{data_value('size', a.get('size'))}，SHA-256 "
                f"{str(a.get('sha256', ''))[:12]}…）"
                for a in value
                if isinstance(a, Mapping)
            ]
        elif isinstance(value, Mapping):
            lines = [f"{field_label(k)}：{data_value(str(k), v)}" for k, v in value.items()]
        elif isinstance(value, list) and value and all(isinstance(v, Mapping) for v in value):
            lines = [_dict_line(key, v) for v in value]
        else:
            lines = [data_value(key, value)]
        rows.append({"key": key, "label": field_label(key), "lines": lines or ["—"]})
    return rows


def _dict_line(key: str, item: Mapping[str, Any]) -> str:
    if key == "suggested":
        # {"category": "noise", "score": 0.93}: the category's name and the score as a share.
        parts = [category_name(item.get("category"))]
        if item.get("score") is not None:
            parts.append(percent(item.get("score")))
        return " ".join(parts)
    return "；".join(f"{field_label(k)}：{data_value(str(k), v)}" for k, v in item.items())


_REASONS = {"text": _("内容相似"), "place": _("地点相似"), "same caller": _("同一来电人")}


def duplicate_reason(reason: str) -> str:
    """One of hotline.domain.dispatch.duplicates' reasons ("text 0.93") in words: 内容相似 93.0%."""
    if reason in _REASONS:
        return str(_REASONS[reason])
    name, _sep, score = reason.rpartition(" ")
    if name in _REASONS:
        return f"{_REASONS[name]} {percent(score)}"
    return reason


# 话务员 states and pause reasons (hotline.callcenter.models.AgentStateChange stores the reasons as
# bilingual text, "小休 break"; the pages show the name in the reader's language).
AGENT_STATES = {
    "available": pgettext_lazy("话务员状态", "示闲"),
    "paused": pgettext_lazy("话务员状态", "示忙"),
    "logged_out": pgettext_lazy("话务员状态", "签出"),
}
PAUSE_REASONS = {
    "小休 break": _("小休"),
    "后处理 wrap-up": _("后处理"),
    "培训 training": _("培训"),
    "会议 meeting": _("会议"),
    "就餐 meal": _("就餐"),
}

# 督办案件 states (hotline.domain.supervision.cases.CaseState).
CASE_STATES = {
    "open": _("已立线索"),
    "verifying": _("核实中"),
    "rectifying": _("整改中"),
    "accountability": _("问责"),
    "closed": _("已办结"),
}
# Supervision case steps (hotline.domain.supervision.cases.CaseAction) by their name.
CASE_ACTIONS = {
    "open": _("立线索"),
    "attach_order": _("添加工单"),
    "assign": _("分派承办"),
    "verify": _("核实"),
    "rectify": _("整改"),
    "notify_rectification": _("整改通知"),
    "report_rectification": _("整改报告"),
    "hold_accountable": _("问责"),
    "close": _("办结"),
}
# The keys of a case event's data, as the case timeline labels them.
CASE_DATA_FIELDS = {
    "title": _("标题"),
    "units": _("涉及单位"),
    "order": _("工单"),
    "detector": _("检测项"),
    "explanation": _("说明"),
    "evidence": _("证据"),
    "assignee": _("承办人"),
    "confirmed": _("问题属实"),
    "note": _("说明"),
    "unit": _("单位"),
    "deadline": _("整改期限"),
    "requirements": _("整改要求"),
    "report": _("整改报告"),
    "late": _("逾期报告"),
    "sanctions": _("问责人员"),
    "conclusion": _("办结结论"),
    "attachments": _("附件"),
}
