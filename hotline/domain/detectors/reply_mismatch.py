"""``reply_mismatch`` (答非所问): a unit's reply that is about something else — another place,
another matter, a reply pasted from another order.

What a reply says of its own (its content) is what is left once the words every reply uses
(经核实, 处理完毕, 感谢您的监督 …: :data:`REPLY_SPEAK`), punctuation and dates are taken out, as
pairs of two Chinese characters. A reply that answers the request repeats some of the request's
place or matter; one that answers another request repeats almost none. The score is the share
of the reply's content pairs found in the request (its text and location). The reply is
flagged when the share is below ``max_shared`` and fewer than ``max_found`` pairs are found,
it has at least ``min_content`` pairs, and it names a place
(:func:`hotline.domain.hotspots.places.said_place_sql`, the rules 热点 use) that is not the
request's. A real reply explains (the rule, the law, what was done) far beyond the request:
答复 to the Teddy Cup messages share a median 17 % of their content with the message, and
referrals ("请拨打12315") share nothing, yet they answer; a pasted reply names another
building. On the 2,816 official Teddy Cup replies the flagged share fell from 82 % (share
alone) to 7.5 % (``max_found``, the fuller :data:`REPLY_SPEAK`) to 1.2 % (another place named,
Chinese pairs only): bench/README.md. A short reply ("已按要求处理完毕。", "噪音问题已处理。")
never fires: it says too little to be about something else. Evidence: the create and reply
events; the explanation has both texts, the place the reply names and the score.

Character pairs, not words: citizens' and clerks' wording differs, but a place ("紫荆花园16号楼")
and a matter ("电梯", "噪音") keep their characters. The whole check is one DuckDB query over
the last reply of each order (about 10 s for a 10 M-event log, bench/README.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hotline.domain.detectors.base import named, run
from hotline.domain.detectors.finding import MEDIUM, Finding
from hotline.domain.hotspots.places import (
    block_sql,
    building_sql,
    named_sql,
    normalise_sql,
    said_place_sql,
)
from hotline.domain.supervision.eventlog import EventLog

CODE = "reply_mismatch"
# Phrases of official replies that say nothing of the case itself.
REPLY_SPEAK = (
    "网友", "您好", "你好", "来信", "留言", "收悉", "来电", "反映", "诉求", "问题", "情况",
    "经核实", "经查", "核实", "现场", "属实", "已经", "现已", "处理", "完毕", "办结", "解决",
    "回复", "答复", "如下", "感谢", "谢谢", "监督", "支持", "理解", "关心", "工作", "单位",
    "部门", "相关", "我们", "我局", "我单位", "按照", "要求", "及时", "进行", "组织", "协调",
    "督促", "整改", "落实", "联系", "并", "已", "的", "了", "您",
    "你", "收到", "转交", "转至", "转", "有关", "调查", "核查", "核处", "办复", "反馈", "帖文",
    "来帖", "问政", "平台", "敬请", "留意", "近期", "祝", "顺心", "愉快", "生活", "尊敬",
    "予以", "特此", "高度重视", "重视", "认真", "职能", "有关部门", "县区",
    "我办", "请", "欢迎", "提供", "方式", "电话", "咨询", "如有", "疑问",
)  # fmt: skip


@dataclass(frozen=True)
class MismatchThresholds:
    min_content: int = 8
    max_shared: float = 0.3
    max_found: int = 5


def detect(log: EventLog, limits: MismatchThresholds | None = None) -> list[Finding]:
    if not log.ours:
        return []
    limits = limits or MismatchThresholds()
    return run(log, SQL, [limits.min_content, limits.max_shared, limits.max_found], _finding)


def _finding(row: dict[str, Any]) -> Finding:
    reply = _short(row["reply"], 40)
    request = _short(row["request"], 40)
    text = (
        f"{row['unit_name']} 的答复与诉求不对应（答非所问）：诉求“{request}”，答复“{reply}”；"
        f"答复说的是{row['reply_said']}，诉求未提及，答复内容仅 {row['shared']:.0%} 见于诉求"
    )
    return Finding(
        detector=CODE,
        severity=MEDIUM,
        order=row["order_id"],
        unit=row["unit"],
        evidence=(1, row["seq"]),
        explanation=text + "。",
    )


def _short(value: str, limit: int) -> str:
    return value if len(value) <= limit else value[:limit] + "…"


def _speak_pattern() -> str:
    words = sorted(REPLY_SPEAK, key=len, reverse=True)  # longest first: 经核实 before 核实
    alternatives = "|".join(words)
    return f"([^0-9A-Za-z\\x{{4e00}}-\\x{{9fa5}}]|([0-9]+年)?[0-9]+月[0-9]+日|{alternatives})+"


# $1 min_content pairs, $2 max_shared, $3 max_found. Content pairs are the reply's overlapping
# character pairs (two non-overlapping passes) of two Chinese characters (six bytes in UTF-8):
# not across a removed phrase ('|'), and not with a digit or letter, since building and room
# numbers of two different places share "1栋" by chance.
SQL = f"""
WITH requests AS (
  SELECT order_id, coalesce(data->>'$.text', '') AS text,
    coalesce(data->>'$.location', '') AS location
  FROM events WHERE action = 'create'
), replies AS (
  SELECT order_id, max(seq) AS seq, arg_max(data->>'$.text', seq) AS reply,
         arg_max(unit, seq) AS unit
  FROM events WHERE action = 'reply' GROUP BY order_id
), content AS (
  SELECT order_id, seq, unit, reply,
    regexp_replace(reply, '{_speak_pattern()}', '|', 'g') AS said
  FROM replies WHERE reply IS NOT NULL
), pairs AS (
  SELECT *, list_filter(
      regexp_extract_all(said, '..') || regexp_extract_all(substr(said, 2), '..'),
      lambda pair: strlen(pair) = 6) AS grams
  FROM content
), scored AS (
  SELECT p.order_id, p.seq, p.unit, p.reply, r.text, r.location,
    r.text || ' ' || r.location AS request, array_length(p.grams) AS total,
    array_length(list_filter(p.grams, lambda pair: contains(r.text || ' ' || r.location, pair)))
      AS found
  FROM pairs p JOIN requests r USING (order_id)
  WHERE array_length(p.grams) >= $1
), unlike AS (
  SELECT * FROM scored WHERE found < $2 * total AND found < $3
), placed AS (
  SELECT *, {said_place_sql("''", "reply")} AS reply_said,
    {said_place_sql("location", "text")} AS request_said
  FROM unlike
), normal AS (
  SELECT *, {normalise_sql("reply_said")} AS reply_place,
    {normalise_sql("request_said")} AS request_place
  FROM placed
)
SELECT order_id, seq, unit, reply, request, reply_said, found / total AS shared,
       {named("unit")} AS unit_name
FROM normal
WHERE {named_sql("reply_place", building_sql("reply_place"))}
  AND {block_sql("reply_place")} <> {block_sql("request_place")}
ORDER BY order_id
"""
