"""Chinese names of states, kinds, channels and detectors, for the pages and the exports."""

from __future__ import annotations

from hotline.workorders.api import ACTIONS

STATES = {
    "received": "已受理",
    "dispatched": "待签收",
    "handling": "办理中",
    "return_review": "退单审核中",
    "close_review": "办结审核中",
    "closed": "已办结",
    "archived": "已归档",
    "merged": "已并单",
}
KINDS = {
    "consult": "咨询",
    "help": "求助",
    "complaint": "投诉",
    "report": "举报",
    "suggestion": "建议",
}
CHANNELS = {
    "phone": "电话",
    "web": "网站",
    "app": "APP",
    "wechat": "微信",
    "email": "邮件",
    "open311": "Open311",
    "import": "导入",
}
URGENCIES = {"normal": "一般", "urgent": "紧急"}

ACTION_NAMES = {str(action): label for action, (_, _, label) in ACTIONS.items()} | {
    "create": "受理"
}
# Order fields (hotline.domain.policy.OrderField), as the order and tracking pages name them.
ORDER_FIELDS = {
    "number": "工单号 No.",
    "state": "状态 State",
    "version": "版本 Version",
    "kind": "类型 Kind",
    "channel": "渠道 Channel",
    "urgency": "紧急程度 Urgency",
    "category": "分类 Category",
    "text": "诉求 Request",
    "location": "地点 Place",
    "area": "行政区划 Area",
    "coordinates": "坐标 Coordinates",
    "call_id": "来电编号 Call",
    "caller_name": "来电人 Caller",
    "caller_phone": "联系电话 Phone",
    "caller_address": "联系地址 Address",
    "caller_email": "电子邮箱 E-mail",
    "unit": "承办单位 / 首接单位 Unit / first unit",
    "assist_units": "协办单位 Assisting units",
    "accept_deadline": "签收时限 Accept by",
    "handle_deadline": "办理时限 Deadline",
    "times": "受理 / 更新时间 Taken / updated",
    "milestones": "签收 / 办结时间 Accepted / closed",
    "counts": "退单 / 督办次数 Returns / urges",
    "follow_up": "回访 联系上 / 解决 / 满意 Follow-up",
    "rating": "评价 Rating",
    "merged_into": "并入工单 Merged into",
}
DETECTORS = {
    "bounce": "推诿扯皮（反复流转）",
    "rejected_return": "退单被驳回",
    "rejected_close": "办结被驳回",
    "close_without_contact": "未联系即办结",
    "overdue_accept": "超时签收",
    "overdue_handle": "超期办理",
    "stalled": "长期无进展",
    "unsatisfied_after_close": "办结后不满意",
    "repeat_request": "重复诉求",
    "boilerplate_reply": "模板化答复",
    "long_busy": "话务员长时间置忙",
    "away_from_post": "话务员脱岗",
}
FIELDS = {
    "to_unit": "主办单位",
    "assist": "协办单位（逗号分隔）",
    "note": "说明",
    "category": "改类为（可选）",
    "answer": "答复内容",
    "article": "知识库文章编号",
    "method": "联系方式",
    "text": "答复内容",
    "days": "延期工作日",
    "reason": "理由",
    "basis": "依据",
    "suggested_unit": "建议承办单位",
    "result": "办理结果",
    "evidence": "证据（逗号分隔）",
    "reached": "是否联系上",
    "resolved": "是否解决",
    "satisfied": "是否满意",
    "score": "评分（1–5）",
    "comment": "评价",
    "into": "并入工单号",
}
