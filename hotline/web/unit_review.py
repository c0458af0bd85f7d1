"""单位审核 on the order page: the lead's forward forms filled in with the handler's words from
the submission the order waits on (the lead may edit them before forwarding)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from hotline.domain.lifecycle import SUBMISSIONS, Action
from hotline.web.forms import FormField
from hotline.workorders.models import WorkOrderEvent


def _shown(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return ", ".join(str(item) for item in value)
    return "" if value is None else value


def prefilled(
    fields: list[FormField], action: Action, submitted: WorkOrderEvent | None
) -> list[FormField]:
    """The forward form's fields with the submission's values (other forms as they are)."""
    if submitted is None or SUBMISSIONS.get(action) != submitted.action:
        return fields
    data = submitted.data or {}
    for field in fields:
        field.value = _shown(data.get(field.name, ""))
    return fields


FORWARD_LABELS = {
    Action.REQUEST_RETURN: _("审核同意，退单转报中心"),
    Action.REQUEST_CLOSE: _("审核同意，办结转报中心"),
}


def forward_label(action: Action, submitted: WorkOrderEvent | None) -> Any:
    """The forward form's own name while a submission waits (None: the action's usual name)."""
    if submitted is None or SUBMISSIONS.get(action) != submitted.action:
        return None
    return FORWARD_LABELS[action]
