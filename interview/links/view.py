"""What `interview-verify links` and the app's Links tab show: the candidates, each link with its
kind, similarity, threshold, dates and evidence, and the clusters of names the links tie."""

from __future__ import annotations

from pathlib import Path

from interview.config import AnalysisConfig
from interview.links.graph import clusters
from interview.links.record import stored_links
from interview.records.face_registry import same_candidate


def links_view(config: AnalysisConfig, candidate: str | None = None) -> dict:
    """{"candidates": [...], "links": [...], "clusters": [...]}; with `candidate`, only what touches that name
    (its cluster included)."""
    links = stored_links(config)
    found = clusters(links)
    if candidate:
        found = [c for c in found if any(same_candidate(candidate, name) for name in c.names)]
        names = {name for c in found for name in c.names}
        links = [l for l in links if l.a.candidate in names or l.b.candidate in names]
    return {"candidates": sorted({s.candidate for l in links for s in (l.a, l.b)}),
            "links": [l.to_dict() for l in links], "clusters": [c.to_dict() for c in found]}


def camera_note(evidence: dict) -> str:
    """A camera link's evidence in words."""
    return (f"the same sensor-noise pattern in {evidence['size']} recordings ({evidence['frames'][0]} and "
            f"{evidence['frames'][1]} frames); different cameras match this well with a chance of about "
            f"{evidence['chance']:.0e}")


def _evidence(link: dict) -> str:
    evidence = link["evidence"]
    if "passage_a" in evidence:
        return f'\n      "{evidence["passage_a"]["text"]}"\n      "{evidence["passage_b"]["text"]}"'
    if link["kind"] == "camera":
        return f"\n      {camera_note(evidence)}"
    return ""


def capture_line(summary: dict) -> str:
    """The report's line on the capture chain (summary["capture"]) and its traces."""
    chain = summary.get("capture")
    if not chain:
        return "not read (no video file)"
    rate = f"{chain['nominal_fps']:g} fps"
    if chain["measured_fps"] is not None:
        # even intervals are the rule in a recorded (re-encoded) file: a fact, not a sign
        rate += f" (measured {chain['measured_fps']:g}, intervals {'even' if chain['even_intervals'] else 'uneven'}"
        rate += f", jitter {chain['interval_jitter_ms']:g} ms)" if chain["interval_jitter_ms"] is not None else ")"
    noise = f", sensor noise {chain['noise_level']:g} grey levels" if chain["noise_level"] is not None else ""
    line = f"{chain['width']}x{chain['height']}, {rate}, {chain['codec']} in {_container(summary, chain['container'])}{noise}"
    return line + "".join(f"; TRACE: {trace}" for trace in chain["traces"])


def _container(summary: dict, formats: str) -> str:
    """The container by the file's own suffix when the demuxer's family includes it
    ("mov,mp4,m4a,3gp,3g2,mj2" reads as "mp4" for an .mp4), else the demuxer's first name."""
    names = formats.split(",")
    suffix = Path(summary.get("input", {}).get("path", "")).suffix.lstrip(".").lower()
    return suffix if suffix in names else names[0]


def link_line(link: dict) -> str:
    a, b = link["a"], link["b"]
    return (f"{link['kind']:<8} {a['candidate']} ({a['date'][:10]}) - {b['candidate']} ({b['date'][:10]}): "
            f"similarity {link['similarity']:g} (link from {link['threshold']:g})")


def session_links_line(summary: dict) -> str:
    """The report's one line on this session's links to earlier candidates (summary["links"])."""
    block = summary.get("links") or {}
    if block.get("status") != "ok":
        return {"off": "not searched (registry off)", None: "not searched"}.get(block.get("status"),
                                                                                f"not searched: {block.get('error')}")
    found = [f"{l['kind']} of '{l['b']['candidate']}' ({l['b']['date'][:10]}, similarity {l['similarity']:g}, "
             f"link from {l['threshold']:g})" for l in block["links"]]
    return "; ".join(found) if found else f"none among {block['searched']} earlier analyses"


def links_text(view: dict) -> str:
    if not view["links"]:
        return "No links: no two candidates under different names share a face, voice, answer, room or camera."
    lines = [f"{len(view['links'])} links among {len(view['candidates'])} candidates"]
    lines += [f"  {link_line(link)}{_evidence(link)}" for link in view["links"]]
    lines.append("clusters (names tied by links):")
    lines += [f"  {', '.join(c['names'])}: {c['links']} links by {' + '.join(c['kinds'])}"
              + ("  <- more than one kind of link" if len(c["kinds"]) > 1 else "") for c in view["clusters"]]
    return "\n".join(lines)

