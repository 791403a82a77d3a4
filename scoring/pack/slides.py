"""The review pack as a PowerPoint deck (python-pptx): one slide per part, tables for lists,
native line charts (editable in PowerPoint, their figures kept in the chart's own data), the
plan version in every slide's footer line."""

from __future__ import annotations

import io

from pptx import Presentation
from pptx.chart.data import CategoryChartData
from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_CHART_TYPE, XL_LEGEND_POSITION
from pptx.util import Emu, Inches, Pt

from scoring.pack.content import Chart, PackContent

WIDTH, HEIGHT = Inches(13.333), Inches(7.5)
MARGIN = Inches(0.5)
MUTED = RGBColor(0x6C, 0x75, 0x7D)
WARN = RGBColor(0xB0, 0x2A, 0x37)
# Rows of a table on one slide; longer lists continue on the next slide.
ROWS_PER_SLIDE = 12


def render_pptx(content: PackContent) -> bytes:
    deck = Presentation()
    deck.slide_width, deck.slide_height = WIDTH, HEIGHT
    builder = _Deck(deck, content)
    builder.cover()
    builder.glance()
    builder.objectives()
    builder.solutions()
    builder.actions()
    builder.commitments()
    if content.internal:
        builder.dmu()
    builder.next_steps()
    out = io.BytesIO()
    deck.save(out)
    return out.getvalue()


class _Deck:
    def __init__(self, deck: Presentation, content: PackContent) -> None:
        self.deck, self.c = deck, content
        self.blank = deck.slide_layouts[6]
        self.title_layout = deck.slide_layouts[0]

    def slide(self, title: str):
        slide = self.deck.slides.add_slide(self.blank)
        box = slide.shapes.add_textbox(MARGIN, Inches(0.3), WIDTH - 2 * MARGIN, Inches(0.8))
        box.name = "Title"
        frame = box.text_frame
        frame.text = title
        frame.paragraphs[0].runs[0].font.size = Pt(28)
        frame.paragraphs[0].runs[0].font.bold = True
        footer = slide.shapes.add_textbox(
            MARGIN, HEIGHT - Inches(0.45), WIDTH - 2 * MARGIN, Inches(0.3)
        )
        footer.name = "Footer"
        footer.text_frame.text = self.c.footer
        run = footer.text_frame.paragraphs[0].runs[0]
        run.font.size, run.font.color.rgb = Pt(10), MUTED
        return slide

    def text(
        self,
        slide,
        lines: list[str],
        top: Emu,
        height: Emu,
        size: int = 16,
        color: RGBColor | None = None,
        left: Emu | None = None,
        width: Emu | None = None,
    ) -> None:
        left = MARGIN if left is None else left
        width = WIDTH - 2 * MARGIN if width is None else width
        box = slide.shapes.add_textbox(left, top, width, height)
        frame = box.text_frame
        frame.word_wrap = True
        for index, line in enumerate(lines):
            paragraph = frame.paragraphs[0] if index == 0 else frame.add_paragraph()
            paragraph.text = line
            for run in paragraph.runs:
                run.font.size = Pt(size)
                if color is not None:
                    run.font.color.rgb = color

    def table(
        self,
        title: str,
        headers: list[str],
        rows: list[list[str]],
        widths: list[float],
        empty: str,
        intro: str = "",
    ) -> None:
        """The rows as tables of ROWS_PER_SLIDE, continued on further slides."""
        chunks = [rows[i : i + ROWS_PER_SLIDE] for i in range(0, len(rows), ROWS_PER_SLIDE)]
        for number, chunk in enumerate(chunks or [[]]):
            slide = self.slide(title if number == 0 else f"{title} (continued)")
            top = Inches(1.2)
            if intro and number == 0:
                self.text(slide, [intro], top, Inches(0.5), 14, MUTED)
                top = Inches(1.7)
            if not chunk:
                self.text(slide, [empty], top, Inches(0.6), 16, MUTED)
                continue
            shape = slide.shapes.add_table(
                len(chunk) + 1,
                len(headers),
                MARGIN,
                top,
                WIDTH - 2 * MARGIN,
                Inches(0.4) * (len(chunk) + 1),
            )
            grid = shape.table
            for i, width in enumerate(widths):
                grid.columns[i].width = Inches(width)
            for col, header in enumerate(headers):
                grid.cell(0, col).text = header
            for r, values in enumerate(chunk, start=1):
                for col, value in enumerate(values):
                    grid.cell(r, col).text = value
            for row in grid.rows:
                for cell in row.cells:
                    for paragraph in cell.text_frame.paragraphs:
                        for run in paragraph.runs:
                            run.font.size = Pt(12)

    # --- the slides ---------------------------------------------------------------------------

    def cover(self) -> None:
        c = self.c
        slide = self.deck.slides.add_slide(self.title_layout)
        slide.shapes.title.text = c.account_name
        slide.placeholders[1].text = (
            f"Business review: {c.plan_title}\n{c.period} · next review {c.review_date}\n"
            f"{c.audience_label} pack · made {c.generated_on} from plan version {c.plan_version}"
        )
        for shape in (slide.shapes.title, slide.placeholders[1]):
            shape.left, shape.width = MARGIN, WIDTH - 2 * MARGIN
        if c.internal:
            self.text(
                slide,
                ["Internal: contains our economics and the DMU's attitudes."],
                HEIGHT - Inches(1.2),
                Inches(0.5),
                14,
                WARN,
            )

    def glance(self) -> None:
        c = self.c
        slide = self.slide("The relationship at a glance")
        lines = [f"Relationship stage: {c.stage}, for {c.time_in_stage} (since {c.stage_since})"]
        lines += [f"{label}: {value}" for label, value in c.figures]
        self.text(slide, lines, Inches(1.2), Inches(2.6), 14, width=Inches(5.6))
        if c.warnings:
            self.text(
                slide,
                ["Warnings", *c.warnings],
                Inches(4.0),
                Inches(2.6),
                13,
                WARN,
                width=Inches(5.6),
            )
        for index, chart in enumerate(c.charts[:2]):
            self.chart(slide, chart, Inches(6.4), Inches(1.2 + index * 2.9))
        for label, body in c.sections:
            section = self.slide(label)
            self.text(section, body.splitlines() or [body], Inches(1.2), Inches(5.4), 14)

    def chart(self, slide, chart: Chart, left: Emu, top: Emu) -> None:
        data = CategoryChartData(number_format="#,##0" if chart.unit == "money" else "0.0")
        data.categories = chart.labels
        for series in chart.series:
            data.add_series(series.name, series.values)
        frame = slide.shapes.add_chart(
            XL_CHART_TYPE.LINE_MARKERS, left, top, Inches(6.4), Inches(2.8), data
        )
        frame.name = f"Chart: {chart.title}"
        graph = frame.chart
        graph.has_title = True
        graph.chart_title.text_frame.text = chart.title
        graph.chart_title.text_frame.paragraphs[0].runs[0].font.size = Pt(12)
        graph.has_legend = True
        graph.legend.position = XL_LEGEND_POSITION.BOTTOM
        graph.legend.include_in_layout = False
        graph.legend.font.size = Pt(10)
        graph.category_axis.tick_labels.font.size = Pt(9)
        graph.value_axis.tick_labels.font.size = Pt(9)

    def objectives(self) -> None:
        rows = [[o.metric, o.description, o.target, o.due, o.progress] for o in self.c.objectives]
        self.table(
            "Objectives and progress",
            ["Objective", "Description", "Target", "Due", "Progress"],
            rows,
            [2.0, 3.8, 1.8, 1.4, 3.333],
            "No measurable objectives in this plan yet.",
        )

    def solutions(self) -> None:
        rows = [[s.title, s.description, s.value_measure, s.value] for s in self.c.solutions]
        self.table(
            "Solutions and their value",
            ["Solution", "Description", "Value measured by", "Estimated annual value"],
            rows,
            [2.6, 4.6, 2.8, 2.333],
            "No solutions in this plan yet.",
        )

    def actions(self) -> None:
        headers, widths = (
            ["Action", "Family", "Owner", "Due", "Status"],
            [4.6, 2.0, 2.2, 2.0, 1.533],
        )

        def rows(lines):
            return [
                [a.title, a.family, a.owner, a.due + (" (overdue)" if a.overdue else ""), a.status]
                for a in lines
            ]

        self.table("Actions due", headers, rows(self.c.actions_due), widths, "No open actions.")
        self.table(
            "Actions done", headers, rows(self.c.actions_done), widths, "No action done yet."
        )

    def commitments(self) -> None:
        rows = [
            [
                c.promise,
                c.category,
                c.target,
                c.status,
                "; ".join(f"{period}: {value}" for period, value in c.measurements[:4])
                or "Not measured yet",
            ]
            for c in self.c.commitments
        ]
        self.table(
            "Service commitments and measured results",
            ["Commitment", "Category", "Target", "Status", "Latest results"],
            rows,
            [3.0, 2.0, 1.8, 1.2, 4.333],
            "No service commitments yet.",
        )

    def dmu(self) -> None:
        rows = [
            [p.name, p.title, p.buying_role, f"{p.influence} / 5", p.attitude]
            for p in self.c.contacts
        ]
        self.table(
            "Decision-making unit (internal)",
            ["Contact", "Title", "Buying role", "Influence", "Attitude"],
            rows,
            [3.0, 3.0, 2.4, 1.6, 2.333],
            "No contacts recorded.",
        )

    def next_steps(self) -> None:
        rows = [[a.title, a.owner, a.due] for a in self.c.next_steps]
        self.table(
            "Agreed next steps",
            ["Next step", "Owner", "By"],
            rows,
            [7.0, 3.0, 2.333],
            "No open steps ahead in the plan.",
            intro=f"We meet again for the plan's review on {self.c.review_date}.",
        )
