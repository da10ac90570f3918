"""Links tab: candidates as nodes, the links between names (kind, similarity, threshold, dates,
the reused passages side by side) and the clusters they form: the view of `interview-verify links`."""

from __future__ import annotations

import math
from html import escape

import gradio as gr

from interview.links.view import camera_note, link_line, links_view
from ui.context import AppContext

KIND_COLOURS = {"face": "#1f6feb", "voice": "#8250df", "answers": "#bf3989", "room": "#1a7f37", "camera": "#9a6700"}
SIDE = 360  # the graph's square, in px


def graph_svg(view: dict) -> str:
    """Names on a circle, one line per link in its kind's colour."""
    names = view["candidates"]
    if not names:
        return ""
    centre, radius = SIDE / 2, SIDE / 2 - 60
    at = {name: (centre + radius * math.cos(2 * math.pi * i / len(names) - math.pi / 2),
                 centre + radius * math.sin(2 * math.pi * i / len(names) - math.pi / 2)) for i, name in enumerate(names)}
    edges = "".join(
        f'<line x1="{at[l["a"]["candidate"]][0]:.0f}" y1="{at[l["a"]["candidate"]][1]:.0f}" '
        f'x2="{at[l["b"]["candidate"]][0]:.0f}" y2="{at[l["b"]["candidate"]][1]:.0f}" stroke="{KIND_COLOURS[l["kind"]]}" '
        f'stroke-width="3" data-kind="{l["kind"]}"><title>{escape(link_line(l))}</title></line>' for l in view["links"])
    nodes = "".join(f'<circle cx="{x:.0f}" cy="{y:.0f}" r="9" fill="#24292f"/><text x="{x:.0f}" y="{y - 14:.0f}" '
                    f'text-anchor="middle" font-size="13" data-node="{escape(name)}">{escape(name)}</text>'
                    for name, (x, y) in at.items())
    legend = " ".join(f'<span style="color:{colour}">&#9644; {kind}</span>' for kind, colour in KIND_COLOURS.items())
    return (f'<svg class="iv-links-graph" width="{SIDE}" height="{SIDE}" viewBox="0 0 {SIDE} {SIDE}" '
            f'role="img" aria-label="candidates and their links">{edges}{nodes}</svg><div>{legend}</div>')


def _passages(link: dict) -> str:
    evidence = link["evidence"]
    if link["kind"] == "camera":
        return escape(camera_note(evidence))
    if "passage_a" not in evidence:
        return ""
    cells = "".join(f'<td><b>{escape(link[side]["candidate"])}</b> at {evidence[key]["start"]:.1f} s: '
                    f'&ldquo;{escape(evidence[key]["text"])}&rdquo;</td>' for side, key in (("a", "passage_a"), ("b", "passage_b")))
    return f'<table class="iv-passages"><tr>{cells}</tr></table>'


def links_html(view: dict) -> str:
    if not view["links"]:
        return '<p data-links="0">No links: no two candidates under different names share a face, voice, answer, room or camera.</p>'
    clusters = "".join(
        f'<li data-cluster="{escape(", ".join(c["names"]))}"><b>{escape(", ".join(c["names"]))}</b>: {c["links"]} links by '
        f'{escape(" + ".join(c["kinds"]))}{" <b>(more than one kind of link)</b>" if len(c["kinds"]) > 1 else ""}</li>'
        for c in view["clusters"])
    rows = "".join(
        f'<tr data-kind="{l["kind"]}"><td style="color:{KIND_COLOURS[l["kind"]]}"><b>{l["kind"]}</b></td>'
        f'<td>{escape(l["a"]["candidate"])} ({l["a"]["date"][:10]})</td><td>{escape(l["b"]["candidate"])} '
        f'({l["b"]["date"][:10]})</td><td>{l["similarity"]:g}</td><td>{l["threshold"]:g}</td>'
        f'<td>{_passages(l)}</td></tr>' for l in view["links"])
    return (f'<div data-links="{len(view["links"])}"><h3>Clusters</h3><ul>{clusters}</ul>{graph_svg(view)}'
            f'<h3>Links</h3><table class="iv-links"><tr><th>kind</th><th>candidate</th><th>candidate</th>'
            f'<th>similarity</th><th>link from</th><th>evidence</th></tr>{rows}</table></div>')


def build_links_tab(ctx: AppContext) -> None:
    gr.Markdown("Candidates under different names who share a face, a voice, a scripted answer, a room or a camera. "
                "Names tied by more than one kind of link are the pattern of one operative behind many identities.")
    with gr.Row():
        candidate = gr.Textbox(label="Candidate (empty: everyone)", scale=3)
        show = gr.Button("Show links", variant="primary", scale=1)
    shown = gr.HTML(elem_id="iv-links")
    view = gr.JSON(visible=False)

    def refresh(name: str) -> tuple[str, dict]:
        found = links_view(ctx.config.analysis, name.strip() or None)
        return links_html(found), found

    show.click(refresh, candidate, [shown, view], api_name="links")
