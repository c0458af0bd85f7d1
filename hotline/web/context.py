"""What every page's header needs: the signed-in user's role and their menu."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from hotline.domain.lifecycle import Role
from hotline.web.access import role_of

ROLE_NAMES = {
    Role.AGENT: "话务员",
    Role.DISPATCHER: "派单员",
    Role.HANDLER: "承办人",
    Role.UNIT_LEAD: "单位负责人",
    Role.SUPERVISOR: "纪检监察",
    Role.CITIZEN: "市民",
    Role.ADMIN: "管理员",
}
MENUS = {
    Role.AGENT: [("受理 Intake", "web:intake"), ("工单 Orders", "web:orders")],
    Role.DISPATCHER: [("派单 Dispatch", "web:dispatch"), ("工单 Orders", "web:orders")],
    Role.HANDLER: [("待办 Inbox", "web:inbox"), ("工单 Orders", "web:orders")],
    Role.UNIT_LEAD: [("待办 Inbox", "web:inbox"), ("工单 Orders", "web:orders")],
    Role.SUPERVISOR: [
        ("天眼 Dashboard", "web:tianyan"),
        ("工单 Orders", "web:orders"),
        ("存证锚点 Anchors", "web:anchors"),
    ],
    Role.CITIZEN: [("我的诉求 My requests", "web:my_orders"), ("提交 Submit", "web:submit")],
    Role.ADMIN: [
        ("工单 Orders", "web:orders"),
        ("派单 Dispatch", "web:dispatch"),
        ("天眼 Dashboard", "web:tianyan"),
        ("存证锚点 Anchors", "web:anchors"),
    ],
}


def navigation(request: HttpRequest) -> dict[str, Any]:
    role = role_of(request)
    return {
        "role": role,
        "role_name": ROLE_NAMES.get(role, "") if role else "",
        "menu": MENUS.get(role, []) if role else [],
    }
