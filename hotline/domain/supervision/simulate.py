"""A city's event log in the interchange format, with planted misconduct and the truth.

Clean orders follow the book: dispatched, accepted within the 签收 limit, the citizen contacted,
a reply written for that case, closure requested well within the 办理 limit, approved, followed
up and found satisfied. A share of orders gets exactly one kind of misconduct, and the truth
records which detectors must fire for it. Misconduct is planted only in orders that finish well
before the end of the log, so nothing else (an order still open at the end) muddies the truth.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TextIO
from zoneinfo import ZoneInfo

KINDS = (
    "bounce",
    "rejected_return",
    "rejected_close",
    "close_without_contact",
    "overdue_accept",
    "overdue_handle",
    "stalled",
    "unsatisfied_after_close",
    "repeat_request",
    "boilerplate_reply",
    "reply_mismatch",
)
# What else a planted kind makes true: an order left to rot is also past its deadline.
ALSO_TRUE = {"stalled": ("overdue_handle",)}
STREETS = [s + t for s in "幸福和平建设解放人民" for t in ("东", "西")]
# 300 compounds of 39 buildings: about one building in a hundred hears from the 12345 line on a
# given day at 2,000 orders a day, as in a real city (a far smaller town made neighbours'
# unrelated calls look like 热点 surges).
COMMUNITIES = [a + b for a in "翠金阳锦碧丽银紫华康泰安宁祥瑞和嘉怡馨逸雅静清明新兴荣盛福禄"
               for b in "苑园湾庭府居邸轩里城"]  # fmt: skip
PROBLEMS = (
    "夜间施工噪音扰民",
    "小区电梯长期停运",
    "路灯损坏无人维修",
    "占道经营影响通行",
    "下水道堵塞污水外溢",
    "拖欠农民工工资",
    "餐馆油烟扰民",
    "违章搭建占用绿地",
    "公交站台破损",
    "学校周边交通拥堵",
)
ACTIONS = [
    "约谈责任方",
    "现场督促整改",
    "组织清理疏通",
    "下达整改通知书",
    "协调物业维修",
    "联合执法检查",
    "更换损坏设施",
    "调解双方诉求",
]
HANDLERS = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗")
# Short replies that still answer the matter, and short ones that say nothing in particular:
# neither is 答非所问.
# (Shorter than boilerplate_reply's six characters: a one-line 已办结 is terse, not a template.)
SHORT_REPLIES = ("已办结。", "已处理。", "已解决。")

BOILERPLATE_BURST = 6  # a lazy unit's template goes out to several orders in a row
LAZY_REPLY = "您反映的问题已收到，我单位高度重视，正在积极处理中，感谢您的监督。"
# 热点: one matter at one building, said many ways by many callers within a day or two.
SURGE_MATTERS = (
    (
        "停水一天多了，一直没有来水",
        "家里自来水停了，什么时候恢复供水",
        "水龙头不出水，没有任何通知就断水",
        "整栋楼停水，老人孩子生活很困难",
        "突然断水了，物业也说不清原因",
        "没水做饭洗澡，停水好久了",
    ),
    (
        "电梯困人后一直停运没人修",
        "电梯又坏了，老人上下楼非常困难",
        "电梯停运好几天，物业不管",
        "电梯故障停用，高层住户出行困难",
        "电梯一直不能用，要求尽快维修",
    ),
    (
        "地下车库进水，车都被泡了",
        "车库淹水很深，排水泵不工作",
        "下雨后地下车库积水严重",
        "地库被淹，车辆无法进出",
        "车库里的积水一直排不出去",
    ),
    (
        "整栋楼停电，冰箱里的东西都坏了",
        "晚上突然停电，到现在还没来电",
        "楼里断电一整天了",
        "停电好久了，也没有抢修的人",
        "家里没电，供电一直没恢复",
    ),
    (
        "楼道里燃气味很重，担心泄漏",
        "闻到很浓的煤气味，怕出危险",
        "燃气管道好像漏气了，味道刺鼻",
        "楼下有股天然气的味道，请尽快检查",
        "燃气泄漏的味道越来越大",
    ),
    (
        "化粪池堵塞，污水从下水道冒出来",
        "下水道反水，一楼家里全是污水",
        "污水管堵了，臭味很大",
        "楼下污水外溢，没人来疏通",
        "排污管道堵塞，脏水漫到路上",
    ),
)
SURGE_NAMES = ("幸福家园", "阳光花园", "锦绣华庭", "滨江新城", "和平里", "青年公寓", "桂花苑",
               "金色家园", "东方明珠苑", "长安小区", "春晓嘉园", "紫荆花园")  # fmt: skip
DISTRICTS = ("东城区", "西城区", "朝阳区", "海淀区")
MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


@dataclass
class SimulatedLog:
    orders: int = 0
    events: int = 0
    truth: set[tuple[str, str]] = field(default_factory=set)  # (detector, order)
    planted: dict[str, int] = field(default_factory=dict)
    units: dict[str, str] = field(default_factory=dict)
    surges: list[list[str]] = field(default_factory=list)  # the orders of each planted surge


class _Order:
    """Builds one order's events, each later than the one before."""

    def __init__(self, number: str, start: datetime) -> None:
        self.number = number
        self.now = start
        self.events: list[dict[str, object]] = []

    def add(
        self,
        after: timedelta,
        action: str,
        actor: str,
        unit: str,
        to_unit: str = "",
        **data: object,
    ) -> datetime:
        self.now += after
        self.events.append(
            {
                "order": self.number,
                "seq": len(self.events) + 1,
                "at": self.now.isoformat(),
                "action": action,
                "actor": actor,
                "unit": unit,
                "to_unit": to_unit,
                "data": data,
            }
        )
        return self.now


class CitySimulator:
    def __init__(
        self,
        *,
        start: datetime,
        days: int,
        orders_per_day: int,
        misconduct_rate: float,
        seed: int,
        units: int = 25,
        categories: int = 20,
        culprits: dict[str, str] | None = None,
        surge_every_days: int = 0,
    ) -> None:
        """``culprits`` names the unit that commits a kind of misconduct (a demo's "unit that
        bounces orders"); other kinds, and every kind without it, fall to random units.
        ``surge_every_days`` plants a 热点 surge every that many days (0: none)."""
        self.rng = random.Random(seed)
        self.start, self.days = start, days
        self.end = start + timedelta(days=days)
        self.orders_per_day, self.rate = orders_per_day, misconduct_rate
        self.units = [f"u{n:02d}" for n in range(1, units + 1)]
        self.lazy_units = self.units[:3]
        self.categories = [f"c{n:02d}" for n in range(1, categories + 1)]
        self.result = SimulatedLog(units={code: f"第{code[1:]}承办单位" for code in self.units})
        self.closed_callers: list[tuple[str, str, datetime, str]] = []
        self.burst, self.lazy_unit = 0, self.lazy_units[0]
        self.culprits = dict(culprits or {})
        self.surge_every_days = surge_every_days
        self.surge_places: set[tuple[str, int]] = set()
        self.counter = 0

    # -- the walk of one order --------------------------------------------------------------

    def orders(self) -> Iterator[_Order]:
        for day in range(self.days):
            midnight = self.start + day * DAY
            for _ in range(self.orders_per_day):
                created = midnight + timedelta(seconds=self.rng.randrange(7 * 3600, 22 * 3600))
                number = self._number()
                kind = self._kind(created)
                order = self._order(number, created, kind)
                self.result.orders += 1
                yield order
            if self.surge_every_days and day % self.surge_every_days == self.surge_every_days - 1:
                yield from self._surge(midnight)

    def _number(self) -> str:
        self.counter += 1
        return f"S{self.counter:09d}"

    def _kind(self, created: datetime) -> str:
        if created > self.end - 25 * DAY:
            return ""
        if self.burst:
            self.burst -= 1
            return "boilerplate_reply"
        if self.rng.random() >= self.rate:
            return ""
        kind = self.rng.choice(KINDS)
        if kind == "boilerplate_reply":
            self.burst = BOILERPLATE_BURST - 1
            self.lazy_unit = self.rng.choice(self.lazy_units)
        return kind

    def _order(self, number: str, created: datetime, kind: str) -> _Order:
        rng = self.rng
        order = _Order(number, created)
        category = rng.choice(self.categories)
        problem = PROBLEMS[self.categories.index(category) % len(PROBLEMS)]
        phone, place, repeated = self._caller(kind, category, created)
        if kind == "repeat_request" and not repeated:
            kind = ""  # nobody to repeat yet: a clean order
        order.add(
            timedelta(0),
            "create",
            "agent",
            "center",
            channel="phone",
            kind="complaint",
            category=category,
            text=f"{place}{problem}",
            location=place,
            caller={"phone": phone},
        )
        if kind == "boilerplate_reply":
            unit = self.lazy_unit
        else:
            unit = self.culprits.get(kind) or rng.choice(self.units)
        if kind == "bounce":
            unit = self._bounce(order, unit)
        else:
            self._dispatch(order, unit)
        if kind == "rejected_return":
            order.add(rng.randrange(10, 60) * MINUTE, "request_return", "h", unit,
                      reason="不属于本单位职责", basis="")  # fmt: skip
            order.add(rng.randrange(30, 240) * MINUTE, "reject_return", "dispatcher", "center",
                      note="退单依据不足", deadline=(order.now + 5 * DAY).isoformat())  # fmt: skip
        else:
            late = kind == "overdue_accept"
            wait = rng.randrange(5, 30) * HOUR if late else rng.randrange(5, 90) * MINUTE
            order.add(wait, "accept", "h", unit)
        if kind == "stalled":
            self._plant(kind, number)
            return order
        self._handle(order, unit, kind, self._reply(kind, place, problem))
        if order.now > self.end:
            order.events = [e for e in order.events if str(e["at"]) <= self.end.isoformat()]
        elif kind != "unsatisfied_after_close":
            self.closed_callers.append((phone, category, order.now, number))
        if kind:
            self._plant(kind, number)
        return order

    def _plant(self, kind: str, number: str) -> None:
        self.result.truth.add((kind, number))
        for also in ALSO_TRUE.get(kind, ()):
            self.result.truth.add((also, number))
        self.result.planted[kind] = self.result.planted.get(kind, 0) + 1

    def _caller(self, kind: str, category: str, created: datetime) -> tuple[str, str, bool]:
        """(phone, place, whether the phone repeats an earlier caller of the category)."""
        if kind == "repeat_request":
            recent = [c for c in self.closed_callers[-500:] if created - 20 * DAY < c[2] < created]
            match = next((c for c in reversed(recent) if c[1] == category), None)
            if match is not None:
                return match[0], self._place(), True
        return f"1{self.rng.randrange(3 * 10**9, 10**10)}", self._place(), False

    def _place(self) -> str:
        rng = self.rng
        return (
            f"{rng.choice(STREETS)}路{rng.randrange(1, 999)}号"
            f"{rng.choice(COMMUNITIES)}{rng.randrange(1, 40)}栋{rng.randrange(101, 3099)}室"
        )

    def _dispatch(self, order: _Order, unit: str, days: int = 5) -> None:
        at = order.now + self.rng.randrange(5, 60) * MINUTE
        order.add(at - order.now, "dispatch", "dispatcher", "center", unit,
                  accept_deadline=(at + 2 * HOUR).isoformat(),
                  deadline=(at + days * DAY).isoformat())  # fmt: skip

    def _bounce(self, order: _Order, first: str) -> str:
        second = self.rng.choice([u for u in self.units if u != first])
        for unit in (first, second):
            self._dispatch(order, unit)
            order.add(self.rng.randrange(10, 60) * MINUTE, "request_return", "h", unit,
                      reason="非本单位职责", basis="职责清单", suggested_unit="")  # fmt: skip
            order.add(
                self.rng.randrange(30, 120) * MINUTE, "approve_return", "dispatcher", "center"
            )
        self._dispatch(order, first)
        return first

    def _handle(self, order: _Order, unit: str, kind: str, reply: str) -> None:
        rng = self.rng
        if kind != "close_without_contact":
            order.add(rng.randrange(10, 600) * MINUTE, "contact", "h", unit,
                      method="phone", reached=True)  # fmt: skip
        if kind == "overdue_handle":
            order.add(rng.randrange(6, 9) * DAY, "visit", "h", unit, note="现场核查")
        order.add(rng.randrange(60, 2 * 1440) * MINUTE, "reply", "h", unit, text=reply)
        if kind == "rejected_close":
            for _ in range(2):
                order.add(
                    rng.randrange(10, 600) * MINUTE, "request_close", "h", unit, result="已办结"
                )
                later = (order.now + 4 * DAY).isoformat()
                order.add(rng.randrange(60, 600) * MINUTE, "reject_close", "dispatcher", "center",
                          note="未解决诉求", deadline=later)  # fmt: skip
            order.add(rng.randrange(60, 600) * MINUTE, "contact", "h", unit, method="visit")
        order.add(rng.randrange(10, 1440) * MINUTE, "request_close", "h", unit, result="已办结")
        order.add(rng.randrange(60, 1440) * MINUTE, "approve_close", "dispatcher", "center")
        happy = kind != "unsatisfied_after_close"
        order.add(rng.randrange(1, 3) * DAY, "follow_up", "dispatcher", "center",
                  reached=True, resolved=happy, satisfied=happy)  # fmt: skip

    def _reply(self, kind: str, place: str, problem: str) -> str:
        """A reply written for the case: the place and the matter, what was done. One in five is
        short, with or without the matter's words. 答非所问 (``reply_mismatch``) pastes the reply
        of another matter at another place."""
        rng = self.rng
        if kind == "boilerplate_reply":
            return LAZY_REPLY
        if kind == "reply_mismatch":
            place = self._place()
            problem = rng.choice([p for p in PROBLEMS if p != problem])
        elif rng.random() < 0.2:
            return rng.choice((f"{place}{problem}问题已处理。", *SHORT_REPLIES))
        return (
            f"经{rng.choice(HANDLERS)}{rng.choice(HANDLERS)}核实，{place}反映的{problem}问题属实，"
            f"已{rng.choice(ACTIONS)}并{rng.choice(ACTIONS)}，现已处理完毕。"
        )

    # -- 热点: a surge at one building -------------------------------------------------------

    def _surge(self, midnight: datetime) -> Iterator[_Order]:
        """Five to twenty callers within six to thirty-six hours about one matter at one
        building, each naming the place their own way; the dispatcher merges the others into
        the first order (并单), which the unit answers once the surge is over."""
        rng = self.rng
        start = midnight + timedelta(hours=rng.uniform(7, 20))
        if start > self.end - 25 * DAY:
            return
        matter = rng.randrange(len(SURGE_MATTERS))
        category = self.categories[(len(PROBLEMS) + matter) % len(self.categories)]
        name, building = self._surge_place()
        span = timedelta(hours=rng.uniform(6, 36))
        count = rng.randint(5, 20)
        moments = sorted(start + span * rng.random() ** 0.7 for _ in range(count))
        moments[0] = start
        phones: list[str] = []
        numbers: list[str] = []
        unit = rng.choice(self.units)
        first_said = ""
        for n, created in enumerate(moments):
            if phones and rng.random() < 0.15:
                phone = rng.choice(phones)
            else:
                phone = f"1{rng.randrange(3 * 10**9, 10**10)}"
                phones.append(phone)
            location, said = self._surge_wording(name, building)
            number = self._number()
            order = _Order(number, created)
            phrase = rng.choice(SURGE_MATTERS[matter])
            order.add(timedelta(0), "create", "agent", "center", channel="phone",
                      kind="complaint", category=category, text=f"{said}{phrase}",
                      location=location, caller={"phone": phone})  # fmt: skip
            if n == 0:
                first_said = f"{location or said}{phrase}"
                self._dispatch(order, unit, days=10)  # a surge is answered once, when it is over
                order.add(rng.randrange(5, 60) * MINUTE, "accept", "h", unit)
                order.add(moments[-1] - order.now + HOUR, "visit", "h", unit, note="现场核查")
                reply = f"经现场核实，{first_said}的问题已组织抢修，现已恢复正常。"
                self._handle(order, unit, "", reply)
            else:
                order.add(rng.randrange(10, 60) * MINUTE, "merge", "dispatcher", "center",
                          into=numbers[0])  # fmt: skip
            numbers.append(number)
            self.result.orders += 1
            yield order
        self.result.surges.append(numbers)

    def _surge_place(self) -> tuple[str, int]:
        if len(self.surge_places) >= len(SURGE_NAMES) * 39:
            self.surge_places.clear()  # over a year later: a building may have a new surge
        while True:
            place = (self.rng.choice(SURGE_NAMES), self.rng.randrange(1, 40))
            if place not in self.surge_places:
                self.surge_places.add(place)
                return place

    def _surge_wording(self, name: str, building: int) -> tuple[str, str]:
        """(location, how the text begins): the place as one caller says it."""
        rng = self.rng
        spelled = _chinese_number(building)
        variants = (
            (f"{name}{building}号楼", ""),
            (f"{name}{spelled}号楼", ""),
            (f"{name}小区{building}栋{rng.randrange(1, 6)}单元", ""),
            (f"{name}一期{building}号楼{rng.randrange(101, 2999)}室", ""),
            (f"{rng.choice(DISTRICTS)}{name}{building}幢", ""),
            (f"{rng.choice(STREETS)}路{rng.randrange(1, 999)}号{name}{building}栋", ""),
            (f"{spelled}号楼", ""),
            ("", f"{name}{building}号楼"),
        )
        weights = (4, 2, 2, 2, 2, 2, 1, 1)
        return rng.choices(variants, weights=weights)[0]


def _chinese_number(value: int) -> str:
    """1–99 in Chinese numerals, as callers say building numbers (十二, 二十三)."""
    digits = "零一二三四五六七八九"
    tens, ones = divmod(value, 10)
    if not tens:
        return digits[ones]
    return ("" if tens == 1 else digits[tens]) + "十" + (digits[ones] if ones else "")


def simulate_city(
    out: TextIO,
    *,
    start: datetime | None = None,
    days: int = 120,
    orders_per_day: int = 100,
    misconduct_rate: float = 0.05,
    seed: int = 42,
    tz: str = "Asia/Shanghai",
    surge_every_days: int = 0,
    write: Callable[[TextIO, dict[str, object]], None] | None = None,
) -> SimulatedLog:
    """Write the log as JSON Lines (``hotline events export`` format) and return the truth."""
    zone = ZoneInfo(tz)
    begin = (start or datetime(2026, 1, 5)).replace(tzinfo=zone)
    city = CitySimulator(
        start=begin,
        days=days,
        orders_per_day=orders_per_day,
        misconduct_rate=misconduct_rate,
        seed=seed,
        surge_every_days=surge_every_days,
    )
    emit = write or _jsonl
    for order in city.orders():
        for event in order.events:
            emit(out, event)
        city.result.events += len(order.events)
    return city.result


def _jsonl(out: TextIO, event: dict[str, object]) -> None:
    out.write(json.dumps(event, ensure_ascii=False, separators=(",", ":")) + "\n")
