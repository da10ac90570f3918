"""report.html: one self-contained file (inline CSS, charts and frames as data URIs) that opens
offline in any browser and prints cleanly."""

from __future__ import annotations

import base64
from html import escape

from interview.report.content import SECTIONS, STATUS_SYMBOLS, ReportContent, seconds
from interview.report.plots import COLOURS, TINTS
from interview.wording import response_time

CSS = """
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: #1d2330;
       margin: 0; background: #f6f7f9; }
main { max-width: 1080px; margin: 0 auto; padding: 24px; }
section { background: #fff; border: 1px solid #e2e5ea; border-radius: 10px; padding: 16px 20px; margin: 16px 0; }
h1 { font-size: 24px; line-height: 1.3; margin: 6px 0 10px; }
h2 { font-size: 17px; margin: 0 0 10px; color: #39404d; }
.banner { border-left: 10px solid var(--c); background: var(--t); }
.banner h2 { font-size: 13px; text-transform: uppercase; letter-spacing: .06em; color: #555c68; }
.facts { color: #4a5160; font-size: 13px; margin: 0; }
.facts b { color: #1d2330; font-weight: 600; }
.pill { display: inline-block; padding: 2px 10px; border-radius: 999px; font-weight: 700; color: #fff;
        background: var(--c); white-space: nowrap; font-size: 13px; }
.big { font-size: 16px; padding: 4px 14px; }
.meaning { font-weight: 600; margin-left: 8px; }
table { border-collapse: collapse; width: 100%; font-size: 14px; }
th, td { text-align: left; padding: 7px 8px; border-bottom: 1px solid #eceef2; vertical-align: top; }
th { font-size: 12px; color: #5b6271; text-transform: uppercase; letter-spacing: .04em; }
tr.check td:first-child b { font-size: 15px; }
.q { display: block; color: #6b7280; font-size: 12px; }
.num { font-variant-numeric: tabular-nums; white-space: nowrap; }
img.chart { width: 100%; height: auto; }
.frames { display: grid; grid-template-columns: repeat(auto-fill, minmax(230px, 1fr)); gap: 12px; }
figure { margin: 0; } figure img { width: 100%; border-radius: 6px; border: 1px solid #ddd; }
figcaption { font-size: 12px; color: #4a5160; margin-top: 4px; }
.note { color: #5b6271; font-style: italic; }
ul { margin: 6px 0; padding-left: 20px; }
.lat { display: inline-block; margin-left: 6px; padding: 0 6px; border-radius: 4px; font-size: 12px;
       background: #eef2f8; color: #1d2330; white-space: nowrap; }
.mono { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 12px; word-break: break-all; }
footer { color: #6b7280; font-size: 12px; text-align: center; margin: 20px 0 40px; }
@media print { body { background: #fff; } section { break-inside: avoid; border: none; padding: 8px 0; } }
"""


def _pill(status: str, label: str, big: bool = False) -> str:
    return (
        f'<span class="pill{" big" if big else ""}" style="--c:{COLOURS[status]}">'
        f"{STATUS_SYMBOLS[status]} {escape(label)}</span>"
    )


def _img(data: bytes, mime: str, alt: str, css: str = "") -> str:
    return f'<img class="{css}" alt="{escape(alt)}" src="data:{mime};base64,{base64.b64encode(data).decode()}">'


def _table(header: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _section(title: str, body: str, css: str = "", style: str = "") -> str:
    anchor = title.lower().replace(" ", "-")
    return f'<section id="{anchor}" class="{css}" style="{style}"><h2>{escape(title)}</h2>{body}</section>'


def _list(items: list[str]) -> str:
    return "<ul>" + "".join(f"<li>{escape(i)}</li>" for i in items) + "</ul>" if items else ""


def render_html(c: ReportContent) -> str:
    e = escape
    facts = " &nbsp;·&nbsp; ".join(f"<b>{e(k)}</b> {e(v)}" for k, v in c.facts)
    summary = (
        f"<div>{_pill(c.status, c.status_label.upper(), big=True)}"
        f"<span class='meaning'>{e(c.status_meaning)}</span></div>"
        f"<h1 id='headline'>{e(c.headline)}</h1><p class='facts'>{facts}</p>"
    )
    if c.reasons:
        summary += "<p><b>What raised the risk</b></p>" + _list(c.reasons)
    if c.cautions:
        summary += "<p><b>Cautions</b> (do not change the result)</p>" + _list(c.cautions)
    if c.redacted:
        summary += f"<p class='note'>Face images were deleted on {e(c.redacted)}. Findings and numbers remain.</p>"

    checks = _table(
        ["Check", "Result", "What was seen", "Risk", "Coverage"],
        [
            [
                f"<b>{e(k['label'])}</b><span class='q'>{e(k['question'])}</span>",
                _pill(k["status"], k["status_label"]),
                e(k["line"]),
                f"<span class='num'>{k['risk']:.2f}</span>",
                f"<span class='num'>{k['coverage']:.0%}</span>",
            ]
            for k in c.checks
        ],
    ).replace("<tr><td>", "<tr class='check'><td>")

    timeline = (
        _img(c.timeline_png, "image/png", "timeline of the session", "chart")
        + "<p class='note'>Each row is a check, tinted by its result; numbered bars are the findings "
        "listed below (green low, amber review, red alert). Blue: detected speech; arrows: "
        "time from a question to its answer; dashed lines: active challenges.</p>"
    )

    findings = (
        _table(
            ["#", "Check", "When", "Risk", "Reason", "Signal"],
            [
                [
                    str(f["number"]),
                    e(f["label"]),
                    f"<span class='num'>{seconds(f.get('t0'))} - {seconds(f.get('t1'))}</span>",
                    _pill(f["level"], f"{f.get('risk', 0):.2f}"),
                    e(f.get("reason") or "")
                    + (f"<br><i>Next: {e(f['next_step'])}</i>" if f.get("next_step") else ""),
                    e(f.get("signal") or ""),
                ]
                for f in c.findings
            ],
        )
        if c.findings
        else "<p class='note'>No check reported a finding.</p>"
    )

    frames = "".join(
        f"<figure>{_img(ev.jpeg, 'image/jpeg', ev.caption)}<figcaption>{e(ev.caption)}</figcaption></figure>"
        for ev in c.evidence
    )
    evidence = (f"<div class='frames'>{frames}</div>" if frames else "") + (
        f"<p class='note'>{e(c.evidence_note)}</p>" if c.evidence_note else ""
    )

    challenges = (
        _table(
            ["Challenge", "Asked at", "Response started", "Response time", "Result", "Detail"],
            [
                [
                    e(ch["label"]),
                    seconds(ch["asked"]),
                    seconds(ch["onset"]),
                    response_time(ch["response_ms"]),
                    e(ch["result"]),
                    e(ch["detail"]),
                ]
                for ch in c.challenges
            ],
        )
        if c.challenges
        else ""
    )
    challenges += f"<p class='note'>{e(c.challenge_note)}</p>" if c.challenge_note else ""

    answers = ""
    if c.latency_png:
        answers = _img(c.latency_png, "image/png", "answer latency chart", "chart") + _table(
            ["Answer", "Question ended", "Answer started", "Latency", "Question"],
            [
                [
                    str(a["number"]),
                    seconds(a["question_end"]),
                    seconds(a["answer_start"]),
                    f"<span class='num'>{a['latency_s']:.1f} s</span>",
                    e(a["question"]),
                ]
                for a in c.answers
            ],
        )
    answers += f"<p class='note'>{e(c.answer_note)}</p>" if c.answer_note else ""

    transcript = (
        _table(
            ["Time", "Words"],
            [
                [
                    f"<span class='num'>{seconds(t['start'])}</span>",
                    e(t["text"])
                    + (
                        f"<span class='lat'>answer after {t['latency_s']:.1f} s</span>"
                        if t["latency_s"] is not None
                        else ""
                    ),
                ]
                for t in c.transcript
            ],
        )
        if c.transcript
        else "<p class='note'>No words were transcribed.</p>"
    )

    not_assessed = (
        _table(["What", "Why not"], [[e(w), e(r)] for w, r in c.not_assessed])
        if c.not_assessed
        else ("<p>Every check had enough to work with.</p>")
    )

    models = (
        _table(
            ["Model", "Carrier package", "SHA-256 (first 16)", "License"],
            [[e(x) for x in row[:2]] + [f"<span class='mono'>{e(row[2])}</span>", e(row[3])] for row in c.models],
        )
        + "<h2 style='margin-top:14px'>Thresholds</h2>"
        + _table(["Rule", "Value", "Meaning"], [[e(x) for x in row] for row in c.thresholds])
    )

    input_file = _table(
        ["Field", "Value"],
        [[f"<b>{e(k)}</b>", f"<span class='mono'>{e(v)}</span>" if k == "SHA-256" else e(v)] for k, v in c.input_rows],
    )

    bodies = {
        "Summary": summary,
        "Checks": checks,
        "Timeline": timeline,
        "Findings": findings,
        "Evidence frames": evidence,
        "Challenges": challenges,
        "Answer timing": answers,
        "Transcript": transcript,
        "Not assessed": not_assessed,
        "Models and thresholds": models,
        "Input file": input_file,
    }
    sections = "".join(
        _section(
            title,
            body,
            "banner" if title == "Summary" else "",
            f"--c:{COLOURS[c.status]};--t:{TINTS[c.status]}" if title == "Summary" else "",
        )
        for title, body in ((t, bodies[t]) for t in SECTIONS)
    )
    return (
        f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{e(c.title)} - {e(c.headline)}</title><style>{CSS}</style></head>"
        f"<body><main>{sections}<footer>{e(c.footer)}</footer></main></body></html>"
    )
