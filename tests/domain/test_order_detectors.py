"""Each order detector on hand-built event sequences that must, and must not, make it fire."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from hotline.domain.detectors import (
    boilerplate_reply,
    bounce,
    close_without_contact,
    overdue_accept,
    overdue_handle,
    rejected_close,
    rejected_return,
    repeat_request,
    reply_mismatch,
    stalled,
    unsatisfied_after_close,
)
from hotline.domain.detectors.base import ensure_unit_names
from hotline.domain.supervision.engine import supervise
from hotline.domain.supervision.eventlog import add_working_days
from hotline.domain.supervision.handover import handover_metrics
from tests.common.eventlog import MONDAY, Order, load

H, D = timedelta(hours=1), timedelta(days=1)


def fired(findings: list) -> set[str]:
    return {finding.order for finding in findings}


def named_log(tmp_path: Path, *orders: Order, **kwargs: object):  # type: ignore[no-untyped-def]
    log = load(tmp_path, *orders, **kwargs)  # type: ignore[arg-type]
    ensure_unit_names(log, {"zj": "住建局", "cg": "城管局", "lh": "绿化局"})
    add_working_days(log, lambda day: day.weekday() < 5)
    return log


def returned(order: Order, unit: str) -> Order:
    return order.dispatch(unit).by("request_return", unit, reason="非本单位职责",
                                   basis="三定方案").center("approve_return")  # fmt: skip


def test_bounce_fires_when_an_order_comes_back_to_a_unit_that_gave_it_up(tmp_path: Path) -> None:
    aba = returned(returned(Order("ABA"), "zj"), "cg").dispatch("zj").handled("zj")
    abc = returned(returned(Order("ABC"), "zj"), "cg").dispatch("lh").handled("lh")
    many = Order("MANY")
    for unit in ("zj", "cg", "lh", "zj2", "cg2"):
        returned(many, unit)
    log = named_log(tmp_path, aba, abc, many.dispatch("lh2").handled("lh2"))
    findings = {f.order: f for f in bounce.detect(log)}
    assert set(findings) == {"ABA", "MANY"}
    assert findings["ABA"].unit == "zj"
    assert "住建局 → 城管局 → 住建局" in findings["ABA"].explanation
    assert "住建局 已转出后又再次接收，往返 1 次" in findings["ABA"].explanation
    assert "共退单 2 次" in findings["ABA"].explanation
    assert "共退单 5 次" in findings["MANY"].explanation
    assert findings["ABA"].evidence == (2, 4, 5, 7, 8)  # the dispatches and approved returns


def test_rejected_return_fires_on_each_rejected_request(tmp_path: Path) -> None:
    weak = Order("WEAK").dispatch("zj").by("request_return", "zj", reason="非我单位职责")
    weak.center("reject_return", note="依据不足").handled("zj")
    fair = returned(Order("FAIR"), "zj").dispatch("cg").handled("cg")
    (finding,) = rejected_return.detect(named_log(tmp_path, weak, fair))
    assert (finding.order, finding.unit, finding.evidence) == ("WEAK", "zj", (3, 4))
    assert "住建局 申请退单（理由：非我单位职责；依据：未提供依据）" in finding.explanation
    assert "驳回意见：依据不足" in finding.explanation


def test_rejected_close_fires_from_two_rejections_of_one_unit(tmp_path: Path) -> None:
    twice = Order("TWICE").dispatch("zj").by("accept", "zj").by("contact", "zj")
    for _ in range(2):
        twice.by("request_close", "zj").center("reject_close")
    twice.by("request_close", "zj").center("approve_close")
    once = Order("ONCE").dispatch("zj").by("accept", "zj").by("contact", "zj")
    once.by("request_close", "zj").center("reject_close").by("request_close", "zj")
    once.center("approve_close")
    split = Order("SPLIT").dispatch("zj").by("accept", "zj").by("contact", "zj")
    split.by("request_close", "zj").center("reject_close").by("request_return", "zj")
    split.center("approve_return").dispatch("cg").by("accept", "cg").by("contact", "cg")
    split.by("request_close", "cg").center("reject_close").by("request_close", "cg")
    split.center("approve_close")
    (finding,) = rejected_close.detect(named_log(tmp_path, twice, once, split))
    assert finding.order == "TWICE" and "3 次申请办结，其中 2 次被驳回重办" in finding.explanation


def test_close_without_contact_needs_a_contact_by_the_unit_since_it_got_the_order(
    tmp_path: Path,
) -> None:
    silent = Order("SILENT").dispatch("zj").by("accept", "zj").by("reply", "zj", text="已处理")
    silent.by("request_close", "zj").center("approve_close")
    contacted = Order("OK").dispatch("zj").handled("zj")
    visited = Order("VISIT").dispatch("zj").by("accept", "zj").by("visit", "zj")
    visited.by("request_close", "zj").center("approve_close")
    inherited = Order("OTHER").dispatch("zj").by("accept", "zj").by("contact", "zj")
    inherited.by("request_return", "zj").center("approve_return").dispatch("cg")
    inherited.by("accept", "cg").by("request_close", "cg").center("reject_close")
    findings = {f.order: f for f in close_without_contact.detect(named_log(
        tmp_path, silent, contacted, visited, inherited))}  # fmt: skip
    assert set(findings) == {"SILENT", "OTHER"}
    assert findings["SILENT"].severity == "high" and "且已办结" in findings["SILENT"].explanation
    assert findings["OTHER"].unit == "cg" and findings["OTHER"].severity == "medium"


def test_overdue_accept(tmp_path: Path) -> None:
    late = Order("LATE").dispatch("zj").wait(5 * H).handled("zj")
    on_time = Order("ON_TIME").dispatch("zj").wait(1 * H).handled("zj")
    never = Order("NEVER", start=MONDAY + 3 * D).dispatch("cg")
    gone = Order("GONE").dispatch("zj").by("request_return", "zj").center("approve_return")
    log = named_log(tmp_path, late, on_time, never, gone, as_of=MONDAY + 5 * D)
    findings = {f.order: f for f in overdue_accept.detect(log)}
    assert set(findings) == {"LATE", "NEVER"}
    assert "超过签收时限 3.2 小时才签收" in findings["LATE"].explanation
    assert "仍未签收" in findings["NEVER"].explanation and findings["NEVER"].severity == "high"


def test_overdue_handle(tmp_path: Path) -> None:
    late = Order("LATE").dispatch("zj").by("accept", "zj").by("contact", "zj").wait(6 * D)
    late.by("request_close", "zj").center("approve_close")
    extended = Order("EXTENDED").dispatch("zj").by("accept", "zj").by("contact", "zj")
    extended.center("approve_extension", deadline=(MONDAY + 10 * D).isoformat()).wait(6 * D)
    extended.by("request_close", "zj").center("approve_close")
    on_time = Order("ON_TIME").dispatch("zj").handled("zj")
    open_late = Order("OPEN_LATE").dispatch("cg").by("accept", "cg")
    in_review = Order("IN_REVIEW").dispatch("cg").by("accept", "cg").by("contact", "cg")
    in_review.by("request_close", "cg")
    back_home = Order("BACK_HOME").dispatch("cg").by("request_return", "cg").center(
        "approve_return")  # fmt: skip
    log = named_log(tmp_path, late, extended, on_time, open_late, in_review, back_home,
                    as_of=MONDAY + 8 * D)  # fmt: skip
    findings = {f.order: f for f in overdue_handle.detect(log)}
    assert set(findings) == {"LATE", "OPEN_LATE"}
    assert "才申请办结" in findings["LATE"].explanation
    assert "仍未办结" in findings["OPEN_LATE"].explanation and findings["OPEN_LATE"].unit == "cg"


def test_stalled_counts_working_days(tmp_path: Path) -> None:
    idle = Order("IDLE").dispatch("zj").by("accept", "zj")  # Monday
    busy = Order("BUSY", start=MONDAY + 7 * D).dispatch("zj").by("accept", "zj")
    done = Order("DONE").dispatch("zj").handled("zj")
    weekend = Order("WEEKEND", start=MONDAY + 4 * D).dispatch("cg").by("accept", "cg")  # Friday
    log = named_log(tmp_path, idle, busy, done, weekend, as_of=MONDAY + 9 * D)  # Wednesday
    findings = {f.order: f for f in stalled.detect(log)}
    assert set(findings) == {"IDLE"}
    assert "住建局 已 7 个工作日无任何处理记录" in findings["IDLE"].explanation


def test_unsatisfied_after_close(tmp_path: Path) -> None:
    unsolved = Order("UNSOLVED").dispatch("zj").handled("zj")
    unsolved.center("follow_up", reached=True, resolved=False, satisfied=False)
    rated_low = Order("LOW").dispatch("zj").handled("zj").add("rate", score=1)
    rated_ok = Order("OK").dispatch("zj").handled("zj").add("rate", score=4)
    findings = {f.order: f for f in unsatisfied_after_close.detect(
        named_log(tmp_path, unsolved, rated_low, rated_ok))}  # fmt: skip
    assert set(findings) == {"UNSOLVED", "LOW"}
    assert "问题未解决、不满意" in findings["UNSOLVED"].explanation
    assert findings["LOW"].severity == "medium" and "评价 1 分" in findings["LOW"].explanation


def test_repeat_request_after_closure(tmp_path: Path) -> None:
    first = Order("FIRST", caller={"phone": "13800000001"}).dispatch("zj").handled("zj")
    again = Order("AGAIN", start=MONDAY + 10 * D, caller={"phone": "13800000001"})
    other = Order("OTHER", start=MONDAY + 10 * D, caller={"phone": "13800000001"},
                  category="property")  # fmt: skip
    much_later = Order("LATER", start=MONDAY + 60 * D, caller={"phone": "13800000001"})
    place = Order("PLACE", start=MONDAY + 12 * D, location="FIRST号")
    still_open = Order("OPEN1", caller={"phone": "13900000002"}).dispatch("cg")
    duplicate = Order("DUP", start=MONDAY + 1 * D, caller={"phone": "13900000002"})
    log = named_log(tmp_path, first, again, other, much_later, place, still_open, duplicate)
    findings = {f.order: f for f in repeat_request.detect(log)}
    assert set(findings) == {"AGAIN", "PLACE"}
    assert "同一来电人在工单 FIRST 由 住建局 办结后" in findings["AGAIN"].explanation
    assert findings["PLACE"].unit == "zj" and "同一地点（FIRST号）" in findings["PLACE"].explanation


def test_boilerplate_reply_needs_many_orders_of_one_unit(tmp_path: Path) -> None:
    lazy = [Order(f"L{n}").dispatch("zj").handled("zj", reply=f"已收到，正在处理中（编号{n}）。")
            for n in range(5)]  # fmt: skip
    few = [Order(f"F{n}").dispatch("cg").handled("cg", reply="已收到，正在处理中。")
           for n in range(4)]  # fmt: skip
    spread = [Order(f"S{n}").dispatch("lh" if n < 3 else "zj2").handled(
        "lh" if n < 3 else "zj2", reply="情况已知悉，会尽快处理。") for n in range(5)]  # fmt: skip
    findings = boilerplate_reply.detect(named_log(tmp_path, *lazy, *few, *spread))
    assert fired(findings) == {f"L{n}" for n in range(5)}
    assert "住建局 对 5 件不同工单的答复内容雷同" in findings[0].explanation


def test_handover_metrics_collapse_repeats(tmp_path: Path) -> None:
    order = returned(returned(Order("X"), "zj"), "cg").dispatch("zj").dispatch("zj")
    returned(order, "lh")
    log = named_log(tmp_path, order, Order("Y").dispatch("zj").handled("zj"))
    summary = handover_metrics(log)
    assert summary == {
        "cases": 2, "events": len(order.events) + 8, "handovers": 3, "revisits": 1,
        "cases_with_revisit": 1, "cases_with_aba": 1,
    }  # fmt: skip


def test_a_clean_order_fires_nothing(tmp_path: Path) -> None:
    clean = [Order(f"C{n}", caller={"phone": f"1380000{n:04d}"}).dispatch("zj").handled("zj")
             for n in range(20)]  # fmt: skip
    report = supervise(named_log(tmp_path, *clean))
    assert report["findings"] == [] and report["summary"]["orders_flagged"] == 0


def test_reply_mismatch_fires_on_a_reply_about_another_place_and_matter(tmp_path: Path) -> None:
    def order(number: str, text: str, location: str, reply: str) -> Order:
        made = Order(number, text=text, location=location)
        return made.dispatch("zj").handled("zj", reply=reply)

    pasted = order(
        "P",
        "电梯停运三天无人维修",
        "紫荆花园16号楼",
        "经核实，和平里小区3号楼下水道堵塞污水外溢问题属实，已组织清理疏通，现已处理完毕。",
    )
    answered = order(
        "A",
        "电梯停运三天无人维修",
        "紫荆花园16号楼",
        "经核实，紫荆花园16号楼电梯停运问题属实，已协调维保单位更换配件，现已恢复运行。",
    )
    short = order("S", "电梯停运三天无人维修", "紫荆花园16号楼", "电梯已修好。")
    terse = order("T", "电梯停运三天无人维修", "紫荆花园16号楼", "已按要求处理完毕，感谢您的监督。")
    reworded = order(
        "R",
        "楼里的升降梯坏了",
        "紫荆花园16号楼",
        "您好，紫荆花园16号楼的电梯故障已排除，维保公司已到场检修。",
    )
    (finding,) = reply_mismatch.detect(
        named_log(tmp_path, pasted, answered, short, terse, reworded)
    )
    assert (finding.order, finding.unit, finding.evidence) == ("P", "zj", (1, 5))
    assert "住建局 的答复与诉求不对应（答非所问）" in finding.explanation
    assert "诉求“电梯停运三天无人维修" in finding.explanation
    assert "答复“经核实，和平里小区3号楼下水道堵塞" in finding.explanation
