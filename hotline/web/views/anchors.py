"""存证锚点: the signed checkpoints of every order's and case's chain head, for 纪检监察 (and
administrators) to see and to download, so the 纪委 can keep copies outside the system."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from hotline.domain.policy import Area
from hotline.eventstore.anchor import anchor_file_name, anchor_key_configured
from hotline.eventstore.models import Anchor
from hotline.web.access import for_area

ANCHORS_PER_PAGE = 50
STREAM_NAMES = {"order": _("工单"), "case": _("督办案件")}
MADE_BY = {"daily": _("每日自动"), "command": _("命令行")}


@for_area(Area.SUPERVISION)
def anchor_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(Anchor.objects.defer("document_gz"), ANCHORS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    rows = [
        {
            "anchor": anchor,
            "made_by": MADE_BY.get(anchor.made_by, anchor.made_by),
            "counts": [
                (STREAM_NAMES.get(name, name), count) for name, count in anchor.counts.items()
            ],
        }
        for anchor in page
    ]
    return render(
        request,
        "web/anchors.html",
        {"page": page, "rows": rows, "key_configured": anchor_key_configured() is not None},
    )


@for_area(Area.SUPERVISION)
def anchor_download(request: HttpRequest, anchor_id: int) -> HttpResponse:
    anchor = Anchor.objects.filter(pk=anchor_id).first()
    if anchor is None:
        raise Http404("no such anchor")
    response = HttpResponse(anchor.document, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="{anchor_file_name(anchor.created_at)}"'
    )
    return response
