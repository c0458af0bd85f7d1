"""通报 (circular) of supervision cases, as a .docx in the usual government layout and as HTML.

Layout after GB/T 9704-2012: A4, margins 37/35/28/26 mm, title in 小标宋 二号 (22 pt), body in
仿宋 三号 (16 pt) on a fixed 28 pt line, headings 一、二、… in 黑体.
"""

from __future__ import annotations

import html
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from hotline.supervision.models import CaseEvent, SupervisionCase

TITLE_FONT, BODY_FONT, HEADING_FONT = "方正小标宋简体", "仿宋_GB2312", "黑体"
NUMERALS = "一二三四五六七八九十"


@dataclass
class CircularCase:
    heading: str
    paragraphs: list[str] = field(default_factory=list)


@dataclass
class Circular:
    title: str
    document_number: str
    addressee: str
    opening: str
    cases: list[CircularCase]
    closing: str
    issuer: str
    issued_on: date


def build_circular(
    cases: Iterable[SupervisionCase],
    *,
    title: str,
    issuer: str,
    document_number: str,
    issued_on: date,
    unit_names: dict[str, str],
    findings: Sequence[Mapping[str, Any]] = (),
    detector_names: Mapping[str, object] | None = None,
) -> Circular:
    """The circular proposed for ``cases`` and ``findings`` (each: order, detector, unit,
    explanation, as the 天眼 report gives them); the cases come first, then the findings."""
    chosen = list(cases)
    orders = {o.order for case in chosen for o in case.orders.all()}
    orders |= {str(f["order"]) for f in findings if f.get("order")}
    people = sum(case.sanctions.count() for case in chosen)
    problems = sum(1 for c in chosen if c.confirmed) + len(findings)
    opening = (
        f"为推动接诉即办工作落实，依托“天眼”监督平台对 {len(orders)} 件重点工单进行核查，"
        f"发现问题 {problems} 个，问责 {people} 人。"
        f"现将 {len(chosen) + len(findings)} 起典型问题通报如下："
    )
    names = detector_names or {}
    parts = [_case(case, index, unit_names) for index, case in enumerate(chosen)]
    parts += [
        _finding(finding, len(chosen) + index, unit_names, names)
        for index, finding in enumerate(findings)
    ]
    return Circular(
        title=title,
        document_number=document_number,
        addressee="各区人民政府，市政府各委、办、局，各有关单位：",
        opening=opening,
        cases=parts,
        closing=(
            "以上问题反映出个别单位宗旨意识不强、推诿扯皮、敷衍塞责。各单位要引以为戒、举一反三，"
            "压实首接负责，严格退单和办结审核，切实解决群众急难愁盼问题。"
        ),
        issuer=issuer,
        issued_on=issued_on,
    )


def _numeral(index: int) -> str:
    return NUMERALS[index] if index < len(NUMERALS) else str(index + 1)


def _finding(
    finding: Mapping[str, Any],
    index: int,
    unit_names: Mapping[str, str],
    detector_names: Mapping[str, object],
) -> CircularCase:
    unit = str(finding.get("unit") or "")
    who = unit_names.get(unit, unit) or "有关单位"
    detector = str(finding.get("detector") or "")
    what = str(detector_names.get(detector, "")) or "存在问题"
    entry = CircularCase(heading=f"{_numeral(index)}、{who}{what}")
    order, explanation = finding.get("order"), str(finding.get("explanation") or "")
    entry.paragraphs.append(f"工单 {order}：{explanation}" if order else explanation)
    return entry


def _case(case: SupervisionCase, index: int, unit_names: dict[str, str]) -> CircularCase:
    units = "、".join(unit_names.get(code, code) for code in case.units) or "有关单位"
    numeral = _numeral(index)
    entry = CircularCase(heading=f"{numeral}、{units}{case.title}")
    for attached in case.orders.order_by("order")[:5]:
        if attached.explanation:
            entry.paragraphs.append(f"工单 {attached.order}：{attached.explanation}")
    notes = {
        event.action: event.data for event in CaseEvent.objects.filter(case=case).order_by("seq")
    }
    if "verify" in notes:
        entry.paragraphs.append(f"经核实：{notes['verify'].get('note', '')}")
    if "rectify" in notes:
        entry.paragraphs.append(f"整改情况：{notes['rectify'].get('note', '')}")
    if "report_rectification" in notes:
        entry.paragraphs.append(f"整改情况：{notes['report_rectification'].get('report', '')}")
    measures = [
        f"给予{unit_names.get(s.unit, s.unit)}{s.position}{s.person}{s.measure}"
        + (f"（{s.severity}）" if s.severity else "")
        for s in case.sanctions.order_by("id")
    ]
    if measures:
        entry.paragraphs.append("问责情况：" + "；".join(measures) + "。")
    return entry


def circular_docx(circular: Circular) -> bytes:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
    from docx.shared import Mm, Pt, RGBColor

    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)

    def paragraph(
        text: str,
        *,
        font: str = BODY_FONT,
        size: int = 16,
        align: WD_ALIGN_PARAGRAPH | None = None,
        indent: bool = True,
        red: bool = False,
    ) -> Any:
        para = document.add_paragraph()
        fmt = para.paragraph_format
        fmt.line_spacing_rule, fmt.line_spacing = WD_LINE_SPACING.EXACTLY, Pt(28)
        if indent:
            fmt.first_line_indent = Pt(size * 2)
        if align is not None:
            para.alignment = align
        run = para.add_run(text)
        run.font.size = Pt(size)
        run.font.name = font
        run._element.get_or_add_rPr().get_or_add_rFonts().set(
            "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia", font
        )
        if red:
            run.font.color.rgb = RGBColor(0xD0, 0x00, 0x00)
        return para

    # 版头: the issuing organ in red, the 文号, and the red line under it.
    paragraph(circular.issuer, font=TITLE_FONT, size=26, align=WD_ALIGN_PARAGRAPH.CENTER,
              indent=False, red=True)  # fmt: skip
    number = paragraph(circular.document_number, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    _red_line_under(number)
    paragraph(circular.title, font=TITLE_FONT, size=22, align=WD_ALIGN_PARAGRAPH.CENTER,
              indent=False)  # fmt: skip
    paragraph(circular.addressee, indent=False)
    paragraph(circular.opening)
    for case in circular.cases:
        paragraph(case.heading, font=HEADING_FONT)
        for text in case.paragraphs:
            paragraph(text)
    paragraph(circular.closing)
    paragraph(circular.issuer, align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False)
    paragraph(_chinese_date(circular.issued_on), align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _red_line_under(para: Any) -> None:
    """The red separator line of the 版头, as a bottom border of the 文号's paragraph."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("val", "single"), ("sz", "12"), ("space", "4"), ("color", "D00000")):
        bottom.set(qn(f"w:{key}"), value)
    borders.append(bottom)
    # In the schema's order: before shading, tabs, spacing, indentation and alignment.
    later = ("w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap",
             "w:overflowPunct", "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi",
             "w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind", "w:contextualSpacing",
             "w:mirrorIndents", "w:suppressOverlap", "w:jc", "w:textDirection",
             "w:textAlignment", "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle",
             "w:rPr", "w:sectPr", "w:pPrChange")  # fmt: skip
    para._p.get_or_add_pPr().insert_element_before(borders, *later)


def circular_html(circular: Circular) -> str:
    e = html.escape
    parts = [
        '<article class="circular" lang="zh-Hans">',
        f'<p class="masthead">{e(circular.issuer)}</p>',
        f'<p class="number">{e(circular.document_number)}</p>',
        '<hr class="red-line">',
        f"<h1>{e(circular.title)}</h1>",
        f"<p>{e(circular.addressee)}</p>",
        f'<p class="body">{e(circular.opening)}</p>',
    ]
    for case in circular.cases:
        parts.append(f"<h2>{e(case.heading)}</h2>")
        parts += [f'<p class="body">{e(text)}</p>' for text in case.paragraphs]
    parts += [
        f'<p class="body">{e(circular.closing)}</p>',
        f'<p class="sign">{e(circular.issuer)}<br>{e(_chinese_date(circular.issued_on))}</p>',
        "</article>",
    ]
    return "\n".join(parts)


def _chinese_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"
