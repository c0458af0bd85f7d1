"""The demo's live hotspot (热点预警): a burst pipe at one building, ten callers in the last day,
each naming the building and the matter in their own words, none of the orders dispatched yet,
so the dashboard, the intake page and the hotspot page have one to show."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from hotline import clock
from hotline.accounts.models import User
from hotline.workorders import services as s

# (place as said, what was said, caller); hours before now, oldest first.
SURGE: tuple[tuple[str, str, str], ...] = (
    ("锦绣花园7号楼", "锦绣花园7号楼从昨晚开始停水，到现在还没来水，也没有任何通知。", "周女士"),
    ("锦绣花园七号楼", "七号楼整栋楼没水了，家里老人孩子用水困难。", "吴先生"),
    ("锦绣花园小区7栋", "小区7栋水龙头不出水，物业说是水管爆了。", "郑女士"),
    ("锦绣花园7号楼2单元", "停水一整天了，做饭洗漱都成问题，请尽快恢复供水。", "王先生"),
    ("锦绣花园7#楼", "7号楼又停水了，什么时候能来水？", "冯女士"),
    ("锦绣花园7号楼", "楼里水管破裂，地下室漏水，整栋楼停水。", "陈先生"),
    ("南湖区锦绣花园7栋", "家里没有水用，问物业也说不清什么时候修好，停水太久了。", "褚女士"),
    ("锦绣花园七号楼3单元", "停水超过二十小时，楼上住户都没水。", "卫先生"),
    ("锦绣花园7号楼", "水管爆裂导致停水，希望供水部门尽快抢修。", "蒋女士"),
    ("锦绣花园7号楼1单元", "自来水停了，家里一滴水都没有，停水什么时候结束？", "沈先生"),
)
SURGE_HOURS = 22.0
SURGE_CATEGORY = "water-supply"
SURGE_AREA = "nanhujie"


def hotspot_seed(*, users: dict[str, User], count: int = len(SURGE)) -> list[str]:
    """The surge's first ``count`` orders, taken by the agent over the last ``SURGE_HOURS``
    hours; their numbers."""
    now = timezone.now()
    step = SURGE_HOURS / len(SURGE)
    numbers = []
    for i, (place, text, caller) in enumerate(SURGE[:count]):
        with clock.frozen_at(now - timedelta(hours=SURGE_HOURS - i * step)):
            order = s.workorder_create(
                actor=users["agent"],
                channel="phone",
                kind="complaint",
                category=SURGE_CATEGORY,
                text=text,
                location=place,
                area=SURGE_AREA,
                urgency="normal",
                caller_name=caller,
                caller_phone=f"1370000{i:04d}",
                caller_address=f"A市{place}",
            )
        numbers.append(order.number)
    return numbers
