"""The supervision-case workflow (线索), pure: steps, refusals naming the field, 四种形态."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from hotline.domain.supervision.cases import (
    CaseAction,
    CaseError,
    CaseRecord,
    CaseState,
    replay_case,
    sanctions,
    stage_of,
)

AT = datetime(2026, 11, 2, 9, tzinfo=UTC)


def _records(*steps: tuple[CaseAction, dict[str, Any]]) -> list[CaseRecord]:
    opening = (CaseAction.OPEN, {"title": "推诿扯皮", "units": ["zhujian", "chengguan"]})
    return [
        CaseRecord(case="XS1", seq=seq, at=AT, action=action, actor="supervisor", data=data)
        for seq, (action, data) in enumerate([opening, *steps], start=1)
    ]


VERIFY = (CaseAction.VERIFY, {"confirmed": True, "note": "属实", "attachments": []})
NOTICE = (
    CaseAction.NOTIFY_RECTIFICATION,
    {"unit": "zhujian", "deadline": "2026-11-20", "requirements": "重新办理并回访"},
)
REPORT = (
    CaseAction.REPORT_RECTIFICATION,
    {"unit": "zhujian", "report": "已整改", "late": False},
)


def test_the_whole_workflow_replays() -> None:
    snap = replay_case(
        _records(
            (CaseAction.ASSIGN, {"assignee": "inspector"}),
            VERIFY,
            NOTICE,
            REPORT,
            (CaseAction.HOLD_ACCOUNTABLE, {"sanctions": [{"person": "张某", "form": "诫勉"}]}),
            (CaseAction.CLOSE, {"conclusion": "已整改问责"}),
        )
    )
    assert snap is not None
    assert (snap.state, snap.assignee, snap.confirmed) == (CaseState.CLOSED, "inspector", True)
    assert snap.open_notices == frozenset()


def test_a_notice_stays_open_until_the_unit_reports() -> None:
    snap = replay_case(_records(VERIFY, NOTICE))
    assert snap is not None and snap.state is CaseState.RECTIFYING
    assert snap.open_notices == {"zhujian"}


@pytest.mark.parametrize(
    ("steps", "field"),
    [
        ([(CaseAction.ASSIGN, {"assignee": " "})], "assignee"),
        ([VERIFY, (NOTICE[0], {**NOTICE[1], "unit": "lvhua"})], "unit"),
        ([VERIFY, (NOTICE[0], {**NOTICE[1], "deadline": "next week"})], "deadline"),
        ([VERIFY, (NOTICE[0], {**NOTICE[1], "requirements": ""})], "requirements"),
        ([VERIFY, NOTICE, NOTICE], "unit"),  # one open notice per unit
        ([VERIFY, NOTICE, REPORT, REPORT], "unit"),  # answered already
        ([VERIFY, NOTICE, (REPORT[0], {**REPORT[1], "report": ""})], "report"),
        ([(VERIFY[0], {**VERIFY[1], "confirmed": False}), NOTICE], "action"),
        ([VERIFY, NOTICE, (CaseAction.CLOSE, {"conclusion": "x"}), REPORT], "action"),
    ],
)
def test_refusals_name_the_field(steps: list[Any], field: str) -> None:
    with pytest.raises(CaseError) as refused:
        replay_case(_records(*steps))
    assert refused.value.field == field


def test_assign_is_refused_once_closed() -> None:
    steps = [
        VERIFY,
        (CaseAction.CLOSE, {"conclusion": "x"}),
        (CaseAction.ASSIGN, {"assignee": "a"}),
    ]
    with pytest.raises(CaseError, match="assign is not allowed in state closed"):
        replay_case(_records(*steps))


def test_the_older_rectify_step_still_replays() -> None:
    snap = replay_case(_records(VERIFY, (CaseAction.RECTIFY, {"note": "已整改"})))
    assert snap is not None and snap.state is CaseState.RECTIFYING


@pytest.mark.parametrize(
    ("form", "severity", "stage"),
    [
        ("谈话提醒", "", 1),
        ("批评教育", "", 1),
        ("责令检查", "", 1),
        ("通报批评", "", 1),
        ("诫勉", "", 1),
        ("组织处理", "", 2),
        ("党纪政务处分", "轻处分", 2),
        ("党纪政务处分", "重处分", 3),
        ("立案审查", "", 4),
        # the measure names of before
        ("诫勉谈话", "", 1),
        ("党纪处分", "", 2),
        ("政务处分", "", 2),
    ],
)
def test_the_four_forms(form: str, severity: str, stage: int) -> None:
    assert stage_of(form, severity) == stage


def test_stored_measures_of_before_replay_as_todays_forms() -> None:
    old = [
        {"person": "张某", "unit": "市住建局", "position": "科长", "measure": "诫勉谈话"},
        {"person": "李某", "unit": "市住建局", "position": "科员", "measure": "党纪处分"},
        {"person": "王某", "unit": "市住建局", "position": "科员", "measure": "政务处分"},
    ]
    checked = sanctions(old)
    assert [(s.measure, s.severity, s.stage) for s in checked] == [
        ("诫勉", "", 1),
        ("党纪政务处分", "轻处分", 2),
        ("党纪政务处分", "轻处分", 2),
    ]
    steps = [
        VERIFY,
        (CaseAction.RECTIFY, {"note": "x"}),
        (CaseAction.HOLD_ACCOUNTABLE, {"sanctions": old}),
    ]
    snap = replay_case(_records(*steps))
    assert snap is not None and snap.state is CaseState.ACCOUNTABILITY


@pytest.mark.parametrize(
    ("item", "field"),
    [
        ({"person": "", "form": "诫勉"}, "sanctions[0].person"),
        ({"person": "张某", "form": "罚款"}, "sanctions[0].form"),
        ({"person": "张某", "form": "党纪政务处分"}, "sanctions[0].severity"),
        ({"person": "张某", "form": "党纪政务处分", "severity": "很重"}, "sanctions[0].severity"),
    ],
)
def test_sanctions_name_what_is_wrong(item: dict[str, str], field: str) -> None:
    with pytest.raises(CaseError) as refused:
        sanctions([item])
    assert refused.value.field == field
