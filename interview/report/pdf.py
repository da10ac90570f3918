"""report.pdf: the same sections as report.html, printable (fpdf2, pure Python, with the DejaVu
fonts matplotlib ships, so any language in a transcript prints)."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path

import matplotlib
from fpdf import FPDF
from fpdf.fonts import FontFace
from PIL import Image

from interview.report.content import SECTIONS, STATUS_SYMBOLS, ReportContent, seconds
from interview.report.plots import COLOURS
from interview.wording import response_time

FONTS = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
INK = (29, 35, 48)
MUTED = (91, 98, 113)


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    return tuple(int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))


def _tint(hex_colour: str, share: float = 0.14) -> tuple[int, int, int]:
    """The status colour mixed into white: a cell background that the coloured word stands out on."""
    return tuple(round(255 - share * (255 - v)) for v in _rgb(hex_colour))


_NUMBER_AND_UNIT = re.compile(r"(\d) (s|ms|%|px|degrees|min|h)\b")


def keep_units(text: str) -> str:
    """'6.1 s' with a no-break space, so a line never ends between a number and its unit."""
    return _NUMBER_AND_UNIT.sub("\\1\u00a0\\2", text)


@dataclass(frozen=True)
class FigurePlacement:
    """Where a figure and its caption landed: the test checks they share a page."""

    name: str
    image_page: int
    caption_first_page: int
    caption_last_page: int


class _Pdf(FPDF):
    def __init__(self, footer_text: str):
        super().__init__(format="A4")
        self.footer_text = footer_text
        self.add_font("DejaVu", "", FONTS / "DejaVuSans.ttf")
        self.add_font("DejaVu", "B", FONTS / "DejaVuSans-Bold.ttf")
        self.add_font("DejaVu", "I", FONTS / "DejaVuSans-Oblique.ttf")
        self.add_font("Mono", "", FONTS / "DejaVuSansMono.ttf")
        self.set_auto_page_break(True, margin=16)
        self.set_margins(14, 14, 14)
        self.figures: list[FigurePlacement] = []

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("DejaVu", "", 7)
        self.set_text_color(*MUTED)
        self.cell(0, 5, f"{self.footer_text}   Page {self.page_no()}/{{nb}}", align="C")

    def heading(self, title: str, need: float = 40) -> None:
        """A section title, on a new page when fewer than `need` mm are left (no orphaned titles)."""
        if self.get_y() > self.h - self.b_margin - need:
            self.add_page()
        self.ln(4)
        self.set_font("DejaVu", "B", 12)
        self.set_text_color(*INK)
        self.cell(0, 8, title, new_x="LMARGIN", new_y="NEXT")
        self.set_draw_color(220, 223, 228)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.ln(2)

    def text_block(self, text: str, size: float = 9, style: str = "", colour: tuple = INK) -> None:
        self.set_font("DejaVu", style, size)
        self.set_text_color(*colour)
        self.multi_cell(0, size * 0.5, keep_units(text), align="L", new_x="LMARGIN", new_y="NEXT")

    def note(self, text: str) -> None:
        if text:
            self.text_block(text, 8, "I", MUTED)

    def grid(
        self,
        header: list[str],
        rows: list[list[str]],
        widths: tuple[int, ...],
        fills: dict[tuple[int, int], str] | None = None,
        size: float = 8,
    ) -> None:
        """A table; `fills` marks a cell (row, column) with its status: bold status-coloured text on a tint.
        A column narrower than its longest word is widened (from the widest column): no word breaks."""
        header, rows = [keep_units(h) for h in header], [[keep_units(t) for t in row] for row in rows]
        widths = self._fit_words(header, rows, widths, size)
        self.set_font("DejaVu", "", size)
        self.set_text_color(*INK)
        self.set_draw_color(225, 228, 233)
        self.set_fill_color(255, 255, 255)
        heading = FontFace(emphasis="BOLD", color=MUTED, fill_color=(245, 246, 248))
        with self.table(
            col_widths=widths,
            text_align="LEFT",
            line_height=size * 0.55,
            headings_style=heading,
            borders_layout="HORIZONTAL_LINES",
            padding=1.2,
            v_align="TOP",
        ) as table:
            table.row(header)
            for r, row in enumerate(rows):
                cells = table.row()
                for col, text in enumerate(row):
                    status = (fills or {}).get((r, col))
                    style = (
                        FontFace(emphasis="BOLD", color=_rgb(COLOURS[status]), fill_color=_tint(COLOURS[status]))
                        if status
                        else None
                    )
                    cells.cell(text, style=style)
        self.ln(1)

    def _fit_words(self, header: list[str], rows: list[list[str]], widths: tuple[int, ...], size: float) -> list[float]:
        self.set_font("DejaVu", "B", size)  # headers and status cells are bold: measure every word bold
        padding = 2 * 1.2 + 0.6
        need = [max((self.get_string_width(word) for text in [header[col], *(row[col] for row in rows)]
                     for word in text.split()), default=0) + padding for col in range(len(widths))]
        fitted = list(map(float, widths))
        for col, wanted in enumerate(need):
            if fitted[col] < wanted:
                donor = max(range(len(fitted)), key=lambda i: fitted[i] - need[i])
                extra = min(wanted - fitted[col], fitted[donor] - need[donor])
                fitted[col] += extra
                fitted[donor] -= extra
        return fitted

    def figure(self, name: str, data: bytes, caption: str) -> None:
        """A picture and its caption, together: on a new page when both do not fit on this one."""
        with Image.open(io.BytesIO(data)) as im:
            height = self.epw * im.height / im.width
        self.set_font("DejaVu", "I", 8)
        caption_height = len(self.multi_cell(0, 4, keep_units(caption), dry_run=True, output="LINES")) * 4
        if self.get_y() + height + 1 + caption_height > self.h - self.b_margin:
            self.add_page()
        image_page = self.page_no()
        self.image(io.BytesIO(data), x=self.l_margin, w=self.epw)
        self.ln(1)
        first = self.page_no()
        self.note(caption)
        self.figures.append(FigurePlacement(name, image_page, first, self.page_no()))


def render_pdf(c: ReportContent, path: Path) -> list[FigurePlacement]:
    pdf = _Pdf(c.footer)
    pdf.set_title(f"{c.title}: {c.headline}")
    pdf.set_creator("interview-verify")
    pdf.add_page()
    sections = {
        "Summary": _summary,
        "Checks": _checks,
        "Timeline": _timeline,
        "Findings": _findings,
        "Evidence frames": _evidence,
        "Challenges": _challenges,
        "Answer timing": _answers,
        "Transcript": _transcript,
        "Not assessed": _not_assessed,
        "Models and thresholds": _models,
        "Input file": _input,
    }
    pdf.set_font("DejaVu", "B", 15)
    pdf.set_text_color(*INK)
    pdf.cell(0, 8, c.title, new_x="LMARGIN", new_y="NEXT")
    room = {"Timeline": 95, "Evidence frames": 85 if c.evidence else 40, "Answer timing": 80 if c.latency_png else 40}
    for title in SECTIONS:
        pdf.heading(title, room.get(title, 40))
        sections[title](pdf, c)
    pdf.output(str(path))
    return pdf.figures


def _summary(pdf: _Pdf, c: ReportContent) -> None:
    top = pdf.get_y()
    pdf.set_font("DejaVu", "B", 11)
    pdf.set_fill_color(*_rgb(COLOURS[c.status]))
    pdf.set_text_color(255, 255, 255)
    pdf.cell(
        pdf.get_string_width(c.status_label.upper()) + 12,
        7,
        f"{STATUS_SYMBOLS[c.status]} {c.status_label.upper()}",
        fill=True,
        new_x="RIGHT",
    )
    pdf.set_text_color(*INK)
    pdf.cell(0, 7, "  " + c.status_meaning, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)
    pdf.text_block(c.headline, 13, "B")
    pdf.ln(1)
    pdf.text_block("   ·   ".join(f"{k}: {v}" for k, v in c.facts), 8, "", MUTED)
    pdf.set_draw_color(*_rgb(COLOURS[c.status]))
    pdf.set_line_width(1.5)
    pdf.line(pdf.l_margin - 3, top, pdf.l_margin - 3, pdf.get_y())
    pdf.set_line_width(0.2)
    if c.reasons:
        pdf.text_block("What raised the risk", 9, "B")
        pdf.text_block("\n".join(f"•  {r}" for r in c.reasons))
    if c.cautions:
        pdf.text_block("Cautions (do not change the result)", 9, "B")
        pdf.text_block("\n".join(f"•  {r}" for r in c.cautions))
    if c.redacted:
        pdf.note(f"Face images were deleted on {c.redacted}. Findings and numbers remain.")


def _checks(pdf: _Pdf, c: ReportContent) -> None:
    rows = [
        [
            f"{k['label']}\n{k['question']}",
            f"{k['symbol']} {k['status_label']}",
            k["line"],
            f"{k['risk']:.2f}",
            f"{k['coverage']:.0%}",
        ]
        for k in c.checks
    ]
    pdf.grid(
        ["Check", "Result", "What was seen", "Risk", "Coverage"],
        rows,
        (50, 28, 74, 15, 15),
        {(r, 1): k["status"] for r, k in enumerate(c.checks)},
    )


def _timeline(pdf: _Pdf, c: ReportContent) -> None:
    pdf.figure(
        "timeline",
        c.timeline_png,
        "Each row is a check, tinted by its result; numbered bars are the findings listed below "
        "(green low, amber review, red alert). Blue: detected speech; arrows: time from a question "
        "to its answer; dashed lines: active challenges."
    )


def _findings(pdf: _Pdf, c: ReportContent) -> None:
    if not c.findings:
        pdf.note("No check reported a finding.")
        return
    rows = [
        [
            str(f["number"]),
            f["label"],
            f"{seconds(f.get('t0'))} - {seconds(f.get('t1'))}",
            f"{f.get('risk', 0):.2f}",
            "\n".join(filter(None, [f.get("reason"), f.get("next_step") and f"Next: {f['next_step']}"])),
            f.get("signal") or "",
        ]
        for f in c.findings
    ]
    pdf.grid(
        ["#", "Check", "When", "Risk", "Reason", "Signal"],
        rows,
        (8, 26, 26, 12, 82, 28),
        {(r, 3): f["level"] for r, f in enumerate(c.findings)},
    )


def _evidence(pdf: _Pdf, c: ReportContent) -> None:
    columns, gap = 3, 4
    width = (pdf.epw - gap * (columns - 1)) / columns
    for start in range(0, len(c.evidence), columns):
        if pdf.get_y() > pdf.h - 80:
            pdf.add_page()
        top, bottom = pdf.get_y(), pdf.get_y()
        for i, item in enumerate(c.evidence[start : start + columns]):
            x = pdf.l_margin + i * (width + gap)
            info = pdf.image(io.BytesIO(item.jpeg), x=x, y=top, w=width)
            pdf.set_xy(x, top + info.rendered_height + 1)
            pdf.set_font("DejaVu", "", 7)
            pdf.multi_cell(width, 3.3, item.caption, align="L")
            bottom = max(bottom, pdf.get_y())
        pdf.set_xy(pdf.l_margin, bottom + 3)
    pdf.note(c.evidence_note)


def _challenges(pdf: _Pdf, c: ReportContent) -> None:
    if c.challenges:
        rows = [
            [
                ch["label"],
                seconds(ch["asked"]),
                seconds(ch["onset"]),
                response_time(ch["response_ms"]),
                ch["result"],
                ch["detail"],
            ]
            for ch in c.challenges
        ]
        pdf.grid(
            ["Challenge", "Asked at", "Response started", "Response time", "Result", "Detail"],
            rows,
            (28, 20, 26, 24, 22, 62),
        )
    pdf.note(c.challenge_note)


def _answers(pdf: _Pdf, c: ReportContent) -> None:
    if c.latency_png:
        pdf.figure("answer latency", c.latency_png, "Answer latency: seconds from the end of each question to the answer.")
        rows = [
            [
                str(a["number"]),
                seconds(a["question_end"]),
                seconds(a["answer_start"]),
                f"{a['latency_s']:.1f} s",
                a["question"],
            ]
            for a in c.answers
        ]
        pdf.grid(["Answer", "Question ended", "Answer started", "Latency", "Question"], rows, (16, 26, 26, 18, 96))
    pdf.note(c.answer_note)


def _transcript(pdf: _Pdf, c: ReportContent) -> None:
    if not c.transcript:
        pdf.note("No words were transcribed.")
        return
    rows = [
        [
            seconds(t["start"]),
            t["text"] + (f"   [answer after {t['latency_s']:.1f} s]" if t["latency_s"] is not None else ""),
        ]
        for t in c.transcript
    ]
    pdf.grid(["Time", "Words"], rows, (20, 162))


def _not_assessed(pdf: _Pdf, c: ReportContent) -> None:
    if c.not_assessed:
        pdf.grid(["What", "Why not"], [list(row) for row in c.not_assessed], (40, 142))
    else:
        pdf.text_block("Every check had enough to work with.")


def _models(pdf: _Pdf, c: ReportContent) -> None:
    pdf.grid(["Model", "Carrier package", "SHA-256 (first 16)", "License"], c.models, (40, 70, 42, 30), size=7)
    pdf.text_block("Thresholds", 10, "B")
    pdf.grid(["Rule", "Value", "Meaning"], c.thresholds, (40, 62, 80), size=7)


def _input(pdf: _Pdf, c: ReportContent) -> None:
    pdf.grid(["Field", "Value"], [[k, v] for k, v in c.input_rows], (30, 152))
