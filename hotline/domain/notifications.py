"""Which events tell the citizen what (短信/邮件通知): a pure policy over one event."""

from __future__ import annotations

from dataclasses import dataclass

from hotline.domain.events import EventRecord, OrderSnapshot
from hotline.domain.lifecycle import Action

SMS, EMAIL = "sms", "email"
SIGNATURE = "【12345】"


@dataclass(frozen=True)
class Notice:
    channel: str
    recipient: str
    subject: str
    body: str


def _texts(record: EventRecord, order: OrderSnapshot, code: str) -> tuple[str, str] | None:
    number = order.number
    match record.action:
        case Action.CREATE:
            return (
                f"12345 工单 {number} 已受理",
                f"您的诉求已受理，工单号 {number}，查询码 {code}，可凭查询码查询办理进度。",
            )
        case Action.REPLY:
            reply = str(record.data.get("text", ""))
            short = reply if len(reply) <= 60 else reply[:59] + "…"
            return f"12345 工单 {number} 已答复", f"您反映的问题（工单号 {number}）已答复：{short}"
        case Action.APPROVE_CLOSE | Action.ANSWER_DIRECTLY:
            return (
                f"12345 工单 {number} 已办结",
                f"您的工单 {number} 已办结，欢迎对办理结果进行评价。",
            )
    return None


def notices_for(record: EventRecord, order: OrderSnapshot, *, tracking_code: str) -> list[Notice]:
    """SMS to the caller's phone and e-mail to their address, for the events citizens hear of.

    The receipt carries the order's 查询码 (hotline.domain.tracking): the number alone no
    longer opens the tracking page.
    """
    texts = _texts(record, order, tracking_code)
    if texts is None:
        return []
    subject, body = texts
    found = []
    if order.caller_phone:
        found.append(Notice(SMS, order.caller_phone, subject, SIGNATURE + body))
    if order.caller_email:
        found.append(Notice(EMAIL, order.caller_email, subject, body))
    return found
