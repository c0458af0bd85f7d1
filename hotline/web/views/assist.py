"""协办 on the order page: the assisting units' opinions (协办意见) for the lead unit to read
before it replies, and a warning on the reply forms while an assisting unit has not answered."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext_lazy as _

from hotline.domain.lifecycle import Action
from hotline.domain.policy import Audience
from hotline.web import labels
from hotline.web.forms import FormField
from hotline.workorders import assisting
from hotline.workorders.models import WorkOrder

# The audiences that read the assisting units' opinions (staff, not citizens or the public).
READERS = frozenset({Audience.UNIT, Audience.CENTER, Audience.SUPERVISOR})
# Forms that answer the citizen or close the order: the lead unit should have every opinion.
BEFORE_ANSWERING = frozenset({Action.REPLY, Action.REQUEST_CLOSE, Action.SUBMIT_CLOSE})
OPINION_LABEL = _("协办意见")


def assist_context(
    *,
    audience: Audience,
    order: WorkOrder,
    timeline: Sequence[dict[str, Any]],
    forms: Sequence[dict[str, Any]],
) -> dict[str, Any]:
    """``assist_opinions`` (one row per assisting unit) for the page; marks the reply and
    closure forms with ``waiting`` (the names of the units not heard from yet) and names the
    opinion form's text field 协办意见. Changes ``forms`` in place."""
    panel: list[dict[str, Any]] = []
    if audience in READERS:
        panel = assisting.assist_panel(assist_units=order.assist_units or [], steps=timeline)
    waiting = "、".join(str(labels.unit_name(code)) for code in assisting.unanswered(panel))
    for form in forms:
        if form["action"] in BEFORE_ANSWERING and waiting:
            form["waiting"] = waiting
        if form["action"] == Action.ASSIST_OPINION:
            form["fields"] = [_opinion_field(f) for f in form["fields"]]
    return {"assist_opinions": panel}


def _opinion_field(field: FormField) -> FormField:
    if field.name == "text":
        field.label = OPINION_LABEL
    return field
