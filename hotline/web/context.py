"""What every page's header needs: the signed-in user's role and their menu."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from hotline.domain.lifecycle import Role
from hotline.web.access import role_of

ROLE_NAMES = {
    Role.AGENT: _("话务员"),
    Role.DISPATCHER: _("派单员"),
    Role.HANDLER: _("承办人"),
    Role.UNIT_LEAD: _("单位负责人"),
    Role.SUPERVISOR: _("纪检监察"),
    Role.CITIZEN: _("市民"),
    Role.ADMIN: _("管理员"),
    Role.DIRECTOR: _("中心负责人"),
    Role.LIAISON: _("联络员"),
}
MENUS = {
    Role.AGENT: [
        (_("受理"), "web:intake"),
        (_("热点预警"), "web:hotspots"),
        (_("回拨"), "web:callbacks"),
        (_("回访"), "web:follow_ups"),
        (_("工单"), "web:orders"),
    ],
    Role.DISPATCHER: [
        (_("派单"), "web:dispatch"),
        (_("热点预警"), "web:hotspots"),
        (_("反复出现的问题"), "web:hotspots_recurring"),
        (_("回拨"), "web:callbacks"),
        (_("回访"), "web:follow_ups"),
        (_("工单"), "web:orders"),
    ],
    Role.HANDLER: [
        (_("待办"), "web:inbox"),
        (_("工单"), "web:orders"),
        (_("通报"), "web:circulars"),
    ],
    Role.UNIT_LEAD: [
        (_("待办"), "web:inbox"),
        (_("工单"), "web:orders"),
        (_("通报"), "web:circulars"),
    ],
    Role.SUPERVISOR: [
        (_("天眼"), "web:tianyan"),
        (_("热点预警"), "web:hotspots"),
        (_("反复出现的问题"), "web:hotspots_recurring"),
        (_("线索"), "web:cases"),
        (_("监督统计"), "web:case_totals"),
        (_("通报"), "web:circulars"),
        (_("考核"), "web:scorecards"),
        (_("话务"), "web:callcenter"),
        (_("工单"), "web:orders"),
        (_("存证锚点"), "web:anchors"),
    ],
    Role.CITIZEN: [(_("我的诉求"), "web:my_orders"), (_("提交"), "web:submit")],
    Role.ADMIN: [
        (_("工单"), "web:orders"),
        (_("派单"), "web:dispatch"),
        (_("天眼"), "web:tianyan"),
        (_("热点预警"), "web:hotspots"),
        (_("反复出现的问题"), "web:hotspots_recurring"),
        (_("线索"), "web:cases"),
        (_("通报"), "web:circulars"),
        (_("考核"), "web:scorecards"),
        (_("考核权重"), "web:score_weights"),
        (_("话务"), "web:callcenter"),
        (_("存证锚点"), "web:anchors"),
    ],
    Role.DIRECTOR: [
        (_("话务"), "web:callcenter"),
        (_("坐席"), "web:callcenter_agents"),
        (_("排班"), "web:callcenter_planner"),
        (_("热点预警"), "web:hotspots"),
        (_("反复出现的问题"), "web:hotspots_recurring"),
        (_("回拨"), "web:callbacks"),
        (_("回访"), "web:follow_ups"),
        (_("考核权重"), "web:score_weights"),
        (_("工单"), "web:orders"),
    ],
    Role.LIAISON: [(_("重点工单"), "web:liaison"), (_("工单"), "web:orders")],
}


def navigation(request: HttpRequest) -> dict[str, Any]:
    role = role_of(request)
    return {
        "role": role,
        "role_name": ROLE_NAMES.get(role, "") if role else "",
        "menu": MENUS.get(role, []) if role else [],
    }
