"""How many orders a list holds: exact, or for a very large list on PostgreSQL, estimated (约).

An exact ``COUNT(*)`` over a million orders reads them all (≈ 130 ms at a province's size,
bench/README "PostgreSQL at 10 M events"), for a figure nobody pages through. Above
``HOTLINE_ESTIMATED_TOTAL_ABOVE`` rows the planner's estimate (EXPLAIN) is shown instead, marked
as an estimate: first the planner is asked (no rows read); when it expects more than the
threshold, the first threshold + 1 rows are counted to confirm it (a short, bounded read). Only
when both say "large" is the total the estimate; otherwise it is exact, as on SQLite always.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.conf import settings
from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db import connections
from django.db.models import QuerySet


@dataclass(frozen=True)
class Total:
    count: int
    estimated: bool = False


def _threshold() -> int:
    return int(settings.HOTLINE_ESTIMATED_TOTAL_ABOVE)


def planner_rows(queryset: QuerySet[Any]) -> int | None:
    """The PostgreSQL planner's estimate of the rows ``queryset`` returns; None elsewhere."""
    if connections[queryset.db].vendor != "postgresql":
        return None
    plan = json.loads(queryset.order_by().explain(format="json"))
    return int(plan[0]["Plan"]["Plan Rows"])


def list_total(queryset: QuerySet[Any], *, part: QuerySet[Any] | None = None) -> Total:
    """The list's total: exact up to the threshold, the planner's estimate above it. ``part``, a
    part of the list that an index counts alone (a unit's led orders in its list of led or
    assisted ones), confirms a large list more cheaply when it is large by itself."""
    if queryset.query.is_empty():
        return Total(0)
    threshold = _threshold()
    estimate = planner_rows(queryset)
    if estimate is None or estimate <= threshold:
        return Total(queryset.count())
    if part is not None and _more_than(part, threshold):
        return Total(estimate, estimated=True)
    first = queryset.order_by()[: threshold + 1].count()
    if first <= threshold:
        return Total(first)
    return Total(max(estimate, first), estimated=True)


def _more_than(queryset: QuerySet[Any], threshold: int) -> bool:
    return queryset.order_by()[: threshold + 1].count() > threshold


class EstimatedPage(Page):
    """A page of a list whose total may be an estimate: then there is a next page as long as this
    one is full (the estimate may fall short of the real end, and no row is out of reach)."""

    paginator: TotalPaginator

    def has_next(self) -> bool:
        if self.paginator.estimated:
            return len(self.object_list) >= self.paginator.per_page
        return super().has_next()

    def beyond_end(self) -> bool:
        """An estimated list's page past its real end (empty)."""
        return self.paginator.estimated and self.number > 1 and not len(self.object_list)


class TotalPaginator(Paginator):
    """Django's paginator with :func:`list_total` as its count; an estimated list pages by the
    estimate but lets a reader go past it (a page past the real end is empty, and says so)."""

    object_list: QuerySet[Any]

    def __init__(
        self, object_list: QuerySet[Any], per_page: int, *, part: QuerySet[Any] | None = None
    ) -> None:
        super().__init__(object_list, per_page)
        self.part = part

    @cached_property
    def total(self) -> Total:
        return list_total(self.object_list, part=self.part)

    @property
    def count(self) -> int:
        return self.total.count

    @property
    def estimated(self) -> bool:
        return self.total.estimated

    def validate_number(self, number: Any) -> int:
        if not self.estimated:
            return super().validate_number(number)
        try:
            if isinstance(number, float) and not number.is_integer():
                raise ValueError
            number = int(number)
        except (TypeError, ValueError):
            raise PageNotAnInteger(self.error_messages["invalid_page"]) from None
        if number < 1:
            raise EmptyPage(self.error_messages["min_page"])
        return number

    def page(self, number: Any) -> Page:
        number = self.validate_number(number)
        if not self.estimated:
            return super().page(number)
        bottom = (number - 1) * self.per_page
        return self._get_page(self.object_list[bottom : bottom + self.per_page], number, self)

    def _get_page(self, *args: Any, **kwargs: Any) -> Page:
        return EstimatedPage(*args, **kwargs)
