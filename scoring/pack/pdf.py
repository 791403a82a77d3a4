"""The review pack as a PDF (fpdf2, pure Python): A4 landscape pages, charts drawn as vector
lines with their figures in a table beside them, a footer naming the plan version.

fpdf2's built-in Helvetica needs no font file on the server; it covers Latin-1, so the few
characters beyond it (dashes, quotes, the euro sign) are spelled in Latin-1 (`latin`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from itertools import pairwise
from typing import Any

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

from scoring.pack.content import Chart, PackContent

REPLACEMENTS = str.maketrans(
    {
        "\u2013": "-",
        "\u2014": "-",
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2026": "...",
        "\u20ac": "EUR",
        "\u00a0": " ",
        "\u202f": " ",
        "\u2212": "-",
    }
)
INK = (33, 37, 41)
MUTED = (108, 117, 125)
ACCENT = (13, 110, 253)
PALETTE = [(13, 110, 253), (220, 53, 69), (25, 135, 84), (253, 126, 20)]
HEADINGS = FontFace(emphasis="BOLD", fill_color=(233, 236, 239))


def latin(text: object) -> str:
    return str(text).translate(REPLACEMENTS).encode("latin-1", "replace").decode("latin-1")


class PackPDF(FPDF):
    def __init__(self, content: PackContent) -> None:
        super().__init__(orientation="L", unit="mm", format="A4")
        self.content = content
        self.set_auto_page_break(auto=True, margin=16)
        self.set_margins(14, 14, 14)
        self.set_title(latin(f"Review pack: {content.account_name}"))
        self.set_author("KAM")
        self.set_creator("KAM review pack")

    def footer(self) -> None:
        self.set_y(-11)
        self.set_font("Helvetica", size=8)
        self.set_text_color(*MUTED)
        self.cell(0, 5, latin(self.content.footer), align="L")
        self.set_x(-40)
        self.cell(26, 5, f"page {self.page_no()}", align="R")

    # --- building blocks ---------------------------------------------------------------------

    def heading(self, text: str) -> None:
        self.set_font("Helvetica", "B", 18)
        self.set_text_color(*INK)
        self.cell(0, 10, latin(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_draw_color(*ACCENT)
        self.set_line_width(0.6)
        self.line(self.l_margin, self.get_y(), self.l_margin + 40, self.get_y())
        self.ln(4)

    def subheading(self, text: str) -> None:
        self.set_font("Helvetica", "B", 12)
        self.set_text_color(*INK)
        self.cell(0, 7, latin(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def para(self, text: str, size: float = 10, color: tuple[int, int, int] = INK) -> None:
        self.set_font("Helvetica", size=size)
        self.set_text_color(*color)
        self.multi_cell(0, size * 0.5, latin(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def empty(self, text: str) -> None:
        self.para(text, color=MUTED)

    def table(self, headers: list[str], rows: list[list[str]], widths: list[float]) -> None:
        self.set_font("Helvetica", size=9)
        with self.table_context(widths) as table:
            head = table.row()
            for header in headers:
                head.cell(latin(header))
            for values in rows:
                row = table.row()
                for value in values:
                    row.cell(latin(value))
        self.ln(3)

    @contextmanager
    def table_context(self, widths: list[float], left: float | None = None) -> Iterator[Any]:
        """fpdf2's table at the left margin, or at `left` (beside a chart)."""
        margin = self.l_margin
        self.set_fill_color(255, 255, 255)
        self.set_text_color(*INK)
        self.set_draw_color(*MUTED)
        self.set_line_width(0.2)
        if left is not None:
            self.l_margin = left
        try:
            with super().table(
                col_widths=widths,
                width=sum(widths),
                align="LEFT",
                text_align="LEFT",
                line_height=5 if left is None else 3.6,
                headings_style=HEADINGS,
                borders_layout="HORIZONTAL_LINES",
                first_row_as_headings=True,
            ) as table:
                yield table
        finally:
            self.l_margin = margin

    def chart(self, chart: Chart, x: float, y: float, w: float, h: float) -> None:
        """A line chart: axes from the data's range (from zero when all are positive), one
        polyline per series, a legend, the first and last quarters named."""
        values = [v for s in chart.series for v in s.values if v is not None]
        self.set_xy(x, y)
        self.set_font("Helvetica", "B", 10)
        self.set_text_color(*INK)
        self.cell(w, 6, latin(chart.title))
        top, left, bottom, right = y + 8, x + 22, y + h - 12, x + w - 2
        self.set_draw_color(*MUTED)
        self.set_line_width(0.2)
        self.line(left, top, left, bottom)
        self.line(left, bottom, right, bottom)
        if not values:
            self.set_xy(left + 2, top + 4)
            self.set_font("Helvetica", size=9)
            self.cell(0, 5, "No figures yet.")
            return
        low, high = min([*values, 0.0]), max([*values, 0.0])
        if high == low:
            high = low + 1
        self.set_font("Helvetica", size=7)
        self.set_text_color(*MUTED)
        for value, ypos in ((high, top), (low, bottom)):
            self.set_xy(x, ypos - 2)
            self.cell(21, 4, latin(chart.value_text(value)), align="R")
        if low < 0 < high:
            zero = bottom - (0 - low) / (high - low) * (bottom - top)
            self.set_dash_pattern(dash=1, gap=1)
            self.line(left, zero, right, zero)
            self.set_dash_pattern()
        count = len(chart.labels)
        step = (right - left) / max(count - 1, 1)
        for index, series in enumerate(chart.series):
            color = PALETTE[index % len(PALETTE)]
            self.set_draw_color(*color)
            self.set_fill_color(*color)
            self.set_line_width(0.6)
            points = [
                (left + i * step, bottom - (v - low) / (high - low) * (bottom - top))
                for i, v in enumerate(series.values)
                if v is not None
            ]
            for (x1, y1), (x2, y2) in pairwise(points):
                self.line(x1, y1, x2, y2)
            for px, py in points:
                self.ellipse(px - 0.7, py - 0.7, 1.4, 1.4, style="F")
            self.set_xy(left + index * 45, bottom + 6)
            self.set_text_color(*color)
            self.set_font("Helvetica", "B", 7)
            self.cell(44, 4, latin(f"- {series.name}"))
        self.set_text_color(*MUTED)
        self.set_font("Helvetica", size=7)
        if chart.labels:
            self.set_xy(left - 6, bottom + 1)
            self.cell(20, 4, latin(chart.labels[0]))
            self.set_xy(right - 14, bottom + 1)
            self.cell(20, 4, latin(chart.labels[-1]), align="R")


def render_pdf(content: PackContent) -> bytes:
    pdf = PackPDF(content)
    _cover(pdf, content)
    _glance(pdf, content)
    _objectives(pdf, content)
    _solutions(pdf, content)
    _actions(pdf, content)
    _commitments(pdf, content)
    if content.internal:
        _dmu(pdf, content)
    _next_steps(pdf, content)
    return bytes(pdf.output())


def _cover(pdf: PackPDF, c: PackContent) -> None:
    pdf.add_page()
    pdf.set_fill_color(*ACCENT)
    pdf.rect(0, 0, pdf.w, 8, style="F")
    pdf.ln(30)
    pdf.set_font("Helvetica", "B", 30)
    pdf.set_text_color(*INK)
    pdf.multi_cell(0, 14, latin(c.account_name), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("Helvetica", size=16)
    pdf.multi_cell(
        0, 9, latin("Business review: " + c.plan_title), new_x=XPos.LMARGIN, new_y=YPos.NEXT
    )
    pdf.ln(6)
    status = f" · status {c.plan_status}" if c.internal else ""
    pdf.para(f"Plan period {c.period}{status} · next review {c.review_date}", 12)
    pdf.para(f"Key account manager: {c.kam}", 12)
    pdf.ln(8)
    pdf.para(
        f"{c.audience_label} pack · made {c.generated_on} from plan version {c.plan_version}",
        11,
        MUTED,
    )
    if c.internal:
        pdf.para(
            "Internal: contains our economics and the decision-making unit's attitudes. "
            "Do not hand out.",
            11,
            (220, 53, 69),
        )


def _glance(pdf: PackPDF, c: PackContent) -> None:
    pdf.add_page()
    pdf.heading("The relationship at a glance")
    pdf.para(f"Relationship stage: {c.stage}, for {c.time_in_stage} (since {c.stage_since}).", 11)
    pdf.ln(2)
    pdf.table(["Key figure", "Value"], [list(f) for f in c.figures], [70, 60])
    if c.warnings:
        pdf.subheading("Warnings")
        for warning in c.warnings:
            pdf.para(f"- {warning}", 10, (176, 42, 55))
        pdf.ln(2)
    for chart in c.charts:
        if pdf.get_y() > pdf.h - 90:
            pdf.add_page()
        y = pdf.get_y()
        pdf.chart(chart, pdf.l_margin, y, 150, 70)
        pdf.set_xy(pdf.l_margin + 158, y)
        _chart_table(pdf, chart)
        pdf.set_y(max(pdf.get_y(), y + 74))
    for label, body in c.sections:
        pdf.subheading(label)
        pdf.para(body)
        pdf.ln(2)


def _chart_table(pdf: PackPDF, chart: Chart) -> None:
    """The chart's figures beside it (a chart is never the only place a number is)."""
    pdf.set_font("Helvetica", size=7)
    names = [s.name for s in chart.series]
    widths = [16] + [max(18, 90 / len(names))] * len(names)
    with pdf.table_context(widths, left=pdf.get_x()) as table:
        head = table.row()
        head.cell("Quarter")
        for name in names:
            head.cell(latin(name))
        for i, label in enumerate(chart.labels):
            row = table.row()
            row.cell(label)
            for series in chart.series:
                row.cell(latin(chart.value_text(series.values[i])))


def _objectives(pdf: PackPDF, c: PackContent) -> None:
    pdf.add_page()
    pdf.heading("Objectives and progress")
    if not c.objectives:
        pdf.empty("No measurable objectives in this plan yet.")
        return
    rows = [[o.metric, o.description or "", o.target, o.due, o.progress] for o in c.objectives]
    pdf.table(["Objective", "Description", "Target", "Due", "Progress"], rows, [40, 80, 40, 28, 80])


def _solutions(pdf: PackPDF, c: PackContent) -> None:
    pdf.add_page()
    pdf.heading("Solutions and their value")
    if not c.solutions:
        pdf.empty("No solutions in this plan yet.")
        return
    rows = [[s.title, s.description, s.value_measure, s.value] for s in c.solutions]
    pdf.table(
        ["Solution", "Description", "How the value is measured", "Estimated annual value"],
        rows,
        [55, 100, 70, 43],
    )


def _action_rows(lines: list) -> list[list[str]]:
    return [
        [a.title, a.family, a.owner, a.due + (" (overdue)" if a.overdue else ""), a.status]
        for a in lines
    ]


def _actions(pdf: PackPDF, c: PackContent) -> None:
    pdf.add_page()
    pdf.heading("Actions done and due")
    headers, widths = ["Action", "Family", "Owner", "Due", "Status"], [100, 45, 50, 43, 30]
    pdf.subheading("Due")
    if c.actions_due:
        pdf.table(headers, _action_rows(c.actions_due), widths)
    else:
        pdf.empty("No open actions.")
    pdf.subheading("Done")
    if c.actions_done:
        pdf.table(headers, _action_rows(c.actions_done), widths)
    else:
        pdf.empty("No action done yet.")


def _commitments(pdf: PackPDF, c: PackContent) -> None:
    pdf.add_page()
    pdf.heading("Service commitments and measured results")
    if not c.commitments:
        pdf.empty("No service commitments yet.")
        return
    for commitment in c.commitments:
        if pdf.get_y() > pdf.h - 50:
            pdf.add_page()
        pdf.subheading(f"{commitment.promise} ({commitment.category})")
        pdf.para(f"Target: {commitment.target} · status {commitment.status}", 10, MUTED)
        if commitment.measurements:
            pdf.table(
                ["Period measured", "Result"], [list(m) for m in commitment.measurements], [80, 40]
            )
        else:
            pdf.empty("Not measured yet.")


def _dmu(pdf: PackPDF, c: PackContent) -> None:
    pdf.add_page()
    pdf.heading("Decision-making unit (internal)")
    if not c.contacts:
        pdf.empty("No contacts recorded.")
        return
    rows = [[p.name, p.title, p.buying_role, f"{p.influence} / 5", p.attitude] for p in c.contacts]
    pdf.table(
        ["Contact", "Title", "Buying role", "Influence", "Attitude"], rows, [70, 70, 50, 30, 48]
    )


def _next_steps(pdf: PackPDF, c: PackContent) -> None:
    pdf.add_page()
    pdf.heading("Agreed next steps")
    if c.next_steps:
        pdf.table(
            ["Next step", "Owner", "By"],
            [[a.title, a.owner, a.due] for a in c.next_steps],
            [150, 70, 48],
        )
    else:
        pdf.empty("No open steps ahead in the plan.")
    pdf.para(f"We meet again for the plan's review on {c.review_date}.", 11)
