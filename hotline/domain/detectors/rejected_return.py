"""``rejected_return`` (退单依据不足): a unit asked to give an order back and the center found
no basis for it."""

from __future__ import annotations

from typing import Any

from hotline.domain.detectors.base import named, run
from hotline.domain.detectors.finding import MEDIUM, Finding
from hotline.domain.supervision.eventlog import EventLog

CODE = "rejected_return"


def detect(log: EventLog) -> list[Finding]:
    return run(log, SQL, [], _finding)


def _finding(row: dict[str, Any]) -> Finding:
    reason = row["reason"] or "未说明"
    basis = row["basis"] or "未提供依据"
    text = f"{row['unit_name']} 申请退单（理由：{reason}；依据：{basis}），经审核依据不足被驳回"
    if row["note"]:
        text += f"（驳回意见：{row['note']}）"
    return Finding(
        detector=CODE,
        severity=MEDIUM,
        order=row["order_id"],
        unit=row["unit"],
        evidence=(row["request_seq"], row["seq"]),
        explanation=text + "。",
    )


SQL = f"""
WITH reviews AS (
  SELECT order_id, seq, action, unit, data,
         lag(seq) OVER w AS request_seq, lag(unit) OVER w AS request_unit,
         lag(data) OVER w AS request_data
  FROM events WHERE action IN ('request_return', 'reject_return', 'approve_return')
  WINDOW w AS (PARTITION BY order_id ORDER BY seq)
)
SELECT order_id, seq, request_seq, request_unit AS unit, {named("request_unit")} AS unit_name,
       request_data->>'$.reason' AS reason, request_data->>'$.basis' AS basis,
       data->>'$.note' AS note
FROM reviews WHERE action = 'reject_return' AND request_seq IS NOT NULL
ORDER BY order_id, seq
"""
