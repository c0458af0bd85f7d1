"""Surges for the hotspot tests: several callers about one matter at one building, each saying
the place and the matter in their own words."""

from __future__ import annotations

from hotline.workorders.models import WorkOrder
from tests.common.world import World

WATER = (
    ("幸福家园5号楼", "幸福家园5号楼从昨晚开始停水，到现在还没来水"),
    ("幸福家园五号楼", "五号楼整栋楼停水了，家里没水用"),
    ("幸福家园小区5栋", "小区5栋停水一整天，水龙头不出水"),
    ("幸福家园5号楼2单元", "停水超过二十小时，楼上住户都没水"),
    ("幸福家园5号楼", "水管爆裂导致停水，请尽快抢修"),
)
LIGHTS = (
    ("朝阳路18号", "朝阳路18号门前路灯不亮，晚上一片漆黑"),
    ("朝阳路18号门口", "路灯坏了好几天，晚上走路看不见"),
    ("朝阳路18号附近", "门口路灯不亮，夜里出行不安全"),
    ("朝阳路18号", "路灯一直不亮，希望尽快修好路灯"),
)


def surge(
    world: World, said: tuple[tuple[str, str], ...] = WATER, *, phone: str = "1390000"
) -> list[WorkOrder]:
    """One order per (place, text), each from another caller, all of category 物业管理."""
    return [
        world.create(
            text=text,
            location=place,
            category="property",
            caller_phone=f"{phone}{i:04d}",
            caller_name=f"来电人{i}",
        )
        for i, (place, text) in enumerate(said)
    ]
