"""One analysed session on screen: headline, four traffic lights, timeline, evidence, challenges,
answer timing, transcript and the report downloads. The review, live and sign-off tabs each
show a session this way, from the same report content the HTML and PDF are made of."""

from __future__ import annotations

import base64
import io
from collections.abc import Callable
from html import escape
from pathlib import Path

import gradio as gr
from PIL import Image

from interview.report import FILE_NAMES
from interview.report.content import ReportContent, build_content, seconds
from interview.wording import response_time

CHALLENGE_HEADERS = ["challenge", "asked at", "result", "response", "detail"]


def status_html(status: str, label: str, text: str, extra: str = "") -> str:
    return (f'<div class="iv-light iv-{escape(status)}"><span class="iv-pill">{escape(label)}</span>'
            f"<span>{escape(text)}</span>{extra}</div>")


def headline_html(content: ReportContent, candidate: str | None) -> str:
    """The one-glance answer: status, the headline sentence, reasons and cautions."""
    reasons = "".join(f"<li>{escape(r)}</li>" for r in content.reasons)
    cautions = "".join(f"<li>{escape(c)}</li>" for c in content.cautions)
    who = f"<p class='iv-who'>Candidate: <b>{escape(candidate)}</b></p>" if candidate else ""
    return (f'<div class="iv-headline iv-{content.status}" data-status="{content.status}">'
            f'<span class="iv-pill iv-big">{escape(content.status_label)}</span>'
            f"<h2>{escape(content.headline)}</h2>{who}<p class='iv-meaning'>{escape(content.status_meaning)}</p>"
            + (f"<ul class='iv-reasons'>{reasons}</ul>" if reasons else "")
            + (f"<details><summary>Also note ({len(content.cautions)})</summary><ul>{cautions}</ul></details>"
               if cautions else "")
            + f"<p class='iv-footer'>{escape(content.footer)}</p></div>")


def lights_html(checks: list[dict]) -> str:
    """Four cards, each with its question, status word and one line; colour is never the only cue."""
    cards = "".join(
        f'<div class="iv-card iv-{c["status"]}" data-check="{escape(c["name"])}" data-status="{c["status"]}">'
        f'<div class="iv-card-top"><b>{escape(c["label"])}</b><span class="iv-pill">{escape(c.get("symbol", ""))} '
        f'{escape(c["status_label"])}</span></div><p class="iv-q">{escape(c.get("question", ""))}</p>'
        f'<p>{escape(c.get("line", ""))}</p>'
        + (f'<p class="iv-next"><b>Next:</b> {escape(c["next_step"])}</p>' if c.get("next_step") else "")
        + "</div>" for c in checks)
    return f'<div class="iv-cards">{cards}</div>'


def challenge_rows(content: ReportContent) -> list[list[str]]:
    return [[c["label"], seconds(c["asked"]), c["result"],
             response_time(c.get("response_ms")), c.get("detail") or ""]
            for c in content.challenges]


def transcript_text(content: ReportContent) -> str:
    lines = []
    for row in content.transcript:
        latency = f"   [answered after {row['latency_s']:.1f} s]" if row.get("latency_s") is not None else ""
        lines.append(f"{seconds(row['start']):>8}  {row['text']}{latency}")
    return "\n".join(lines) or "No speech was transcribed."


def _data_url(path: Path) -> str:
    return f"data:image/jpeg;base64,{base64.b64encode(path.read_bytes()).decode()}"


def comparison_html(summary: dict, out_dir: Path) -> str:
    """The ID photo beside the frames that matched it best and worst: what a reviewer looks at
    first when the face does not match. Empty without an ID comparison (or after a purge)."""
    measurements = summary.get("measurements") or {}
    compared = measurements.get("id_comparison") or {}
    files = [compared.get("id_face"), *((compared.get(k) or {}).get("frame") for k in ("best", "worst"))]
    if not compared or not all(f and (out_dir / f).is_file() for f in files):
        return ""
    threshold = measurements.get("id_threshold", 0.0)
    figures = [f'<figure data-role="id-photo"><img src="{_data_url(out_dir / compared["id_face"])}" alt="ID photo">'
               "<figcaption><b>ID photo</b></figcaption></figure>"]
    for key, label in (("best", "Best match"), ("worst", "Worst match")):
        frame = compared[key]
        verdict = "same person" if frame["similarity"] >= threshold else "below the same-person threshold"
        figures.append(f'<figure data-role="{key}"><img src="{_data_url(out_dir / frame["frame"])}" '
                       f'alt="{label} frame"><figcaption><b>{label}</b> at {seconds(frame["t"])}: similarity '
                       f'{frame["similarity"]:.2f} ({verdict}; same person from {threshold:.2f})</figcaption></figure>')
    return (f'<div class="iv-compare"><h3>Compared with the ID photo</h3>'
            f'<div class="iv-compare-row">{"".join(figures)}</div></div>')


def _image(png: bytes | None) -> Image.Image | None:
    return Image.open(io.BytesIO(png)) if png else None


class ResultsView:
    """The components that show one session; `values()` fills them in `outputs` order."""

    def __init__(self, visible: bool = False, aside: Callable[[], object] | None = None):
        """`aside` builds components shown beside the headline and cards (the sign-off form); what
        it returns is kept as `self.aside`."""
        with gr.Column(visible=visible) as self.column:
            with gr.Row(equal_height=False):
                with gr.Column(scale=3, min_width=480):
                    self.headline = gr.HTML(elem_classes="iv-result-headline")
                    self.lights = gr.HTML(elem_classes="iv-result-lights")
                    self.compare = gr.HTML(elem_classes="iv-result-compare")
                if aside is not None:
                    with gr.Column(scale=2, min_width=320, elem_classes="iv-aside"):
                        self.aside = aside()
            with gr.Row():
                self.html_button = gr.DownloadButton("Report (HTML)", variant="primary", size="sm")
                self.pdf_button = gr.DownloadButton("Report (PDF)", size="sm")
                self.json_button = gr.DownloadButton("Summary (JSON)", size="sm")
            self.timeline = gr.Image(label="Timeline: findings per check, speech, challenges", type="pil",
                                     interactive=False, buttons=["download", "fullscreen"])  # no "share": offline
            self.gallery = gr.Gallery(label="Evidence frames", columns=4, fit_columns=False, height="auto",
                                      object_fit="contain", buttons=["download", "fullscreen"],
                                      elem_classes="iv-evidence")
            self.evidence_note = gr.Markdown()
            self.challenges = gr.Dataframe(headers=CHALLENGE_HEADERS, label="Active challenges", interactive=False,
                                           wrap=True, column_widths=["22%", "12%", "14%", "12%", "40%"])
            self.challenge_note = gr.Markdown()
            self.latency = gr.Image(label="Answer latency: seconds from the end of each question to the answer",
                                    type="pil", interactive=False, buttons=["download", "fullscreen"])
            self.latency_note = gr.Markdown()
            self.transcript = gr.Textbox(label="Transcript", lines=8, max_lines=20, interactive=False)

    @property
    def outputs(self) -> list[gr.components.Component]:
        return [self.column, self.headline, self.lights, self.compare, self.html_button, self.pdf_button, self.json_button,
                self.timeline, self.gallery, self.evidence_note, self.challenges, self.challenge_note, self.latency,
                self.latency_note, self.transcript]

    def values(self, summary: dict, out_dir: Path) -> list:
        content = build_content(summary, out_dir)
        files = [out_dir / FILE_NAMES[kind] for kind in ("html", "pdf", "json")]
        downloads = [gr.DownloadButton(value=str(f) if f.is_file() else None, visible=f.is_file()) for f in files]
        gallery = [(_image(e.jpeg), e.caption) for e in content.evidence]
        latency_note = "" if content.latency_png else content.answer_note
        return [gr.Column(visible=True), headline_html(content, summary.get("candidate")), lights_html(content.checks),
                comparison_html(summary, out_dir), *downloads, _image(content.timeline_png),
                gr.Gallery(value=gallery, visible=bool(gallery)), content.evidence_note,
                gr.Dataframe(value=challenge_rows(content), visible=bool(content.challenges)), content.challenge_note,
                gr.Image(value=_image(content.latency_png), visible=bool(content.latency_png)),
                latency_note, transcript_text(content)]

    def hidden(self) -> list:
        return [gr.Column(visible=False)] + [gr.skip()] * (len(self.outputs) - 1)
