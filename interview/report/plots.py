"""The report's two charts as PNG bytes (matplotlib, Agg backend: no display needed).

Colours come with text (every bar is numbered, every row says its status), never colour alone.
"""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after choosing the backend)

from interview.checks.base import risk_level  # noqa: E402
from interview.checks.relay.check import NORMAL_LATENCY_MS, SLOW_LATENCY_MS  # noqa: E402

COLOURS = {"ok": "#2e7d32", "review": "#e08600", "alert": "#c62828", "insufficient": "#8a8f98"}
TINTS = {"ok": "#e8f5e9", "review": "#fff3e0", "alert": "#ffebee", "insufficient": "#f1f2f4"}
SPEECH = "#9fb7d8"
DPI = 110


def _png(figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight")
    plt.close(figure)
    return buffer.getvalue()


def timeline_png(summary: dict, checks: list[dict], findings: list[dict]) -> bytes:
    """One row per check (tinted by its status) with its numbered findings as bars, a row of
    detected speech with question-to-answer gaps, and the active challenges as dashed lines."""
    media = summary.get("input") or {}
    ends = [f.get("t1") or 0 for f in findings] + [s.get("end", 0) for s in summary.get("speech_segments") or []]
    duration = max([media.get("duration_s") or 0.0] + ends) or 1.0
    rows = checks + [{"name": "speech", "label": "Speech", "status_label": "", "status": None}]
    figure, axes = plt.subplots(figsize=(10, 0.62 * len(rows) + 1.1))
    for y, row in enumerate(reversed(rows)):
        if row["status"]:
            axes.axhspan(y - 0.5, y + 0.5, color=TINTS[row["status"]], zorder=0)
    y_of = {row["name"]: len(rows) - 1 - i for i, row in enumerate(rows)}
    min_width = duration / 120
    for finding in findings:
        y = y_of.get(finding["check"])
        if y is None:
            continue
        t0, t1 = finding.get("t0") or 0.0, finding.get("t1") or 0.0
        width = max(t1 - t0, min_width)
        axes.barh(
            y,
            width,
            left=t0,
            height=0.56,
            color=COLOURS[risk_level(finding.get("risk", 0))],
            edgecolor="white",
            linewidth=0.6,
            zorder=2,
        )
        inside = width >= duration / 30  # a narrow bar gets its number above it, in dark ink
        axes.text(
            t0 + width / 2,
            y if inside else y + 0.3,
            str(finding["number"]),
            ha="center",
            va="center" if inside else "bottom",
            fontsize=8,
            fontweight="bold",
            zorder=3,
            color="white" if inside else "#1d2330",
        )
    speech_y = y_of["speech"]
    for segment in summary.get("speech_segments") or []:
        axes.barh(
            speech_y, segment["end"] - segment["start"], left=segment["start"], height=0.4, color=SPEECH, zorder=2
        )
    for answer in (summary.get("measurements") or {}).get("answers") or []:
        start, end = answer.get("question_end_s"), answer.get("answer_start_s")
        if start is not None and end is not None and end > start:
            axes.annotate(
                "",
                xy=(end, speech_y + 0.32),
                xytext=(start, speech_y + 0.32),
                zorder=3,
                arrowprops={"arrowstyle": "<->", "color": "#333", "lw": 1},
            )
            axes.text((start + end) / 2, speech_y + 0.36, f"{end - start:.1f} s", ha="center", va="bottom", fontsize=7)
    for challenge in summary.get("challenges_asked") or []:
        axes.axvline(challenge["asked_s"], color="#333", linestyle="--", linewidth=1, zorder=1)
        axes.text(challenge["asked_s"], len(rows) - 0.45, f" {challenge['kind']}", fontsize=7, va="bottom", rotation=0)
    axes.set_yticks(range(len(rows)))
    axes.set_yticklabels(
        [f"{r['label']}: {r['status_label']}" if r["status"] else r["label"] for r in reversed(rows)], fontsize=9
    )
    axes.set_ylim(-0.5, len(rows) - 0.5 + (0.5 if summary.get("challenges_asked") else 0))
    axes.set_xlim(0, duration)
    axes.set_xlabel("time in the recording (seconds)")
    axes.grid(axis="x", color="#ddd", linewidth=0.6, zorder=0)
    for side in ("top", "right", "left"):
        axes.spines[side].set_visible(False)
    axes.tick_params(axis="y", length=0)
    return _png(figure)


def latency_png(answers: list[dict]) -> bytes:
    """Seconds from each question's end to the answer's first word, against normal conversation."""
    latencies = [a["latency_ms"] / 1000 for a in answers]
    colours = [
        COLOURS["ok"]
        if s * 1000 <= NORMAL_LATENCY_MS
        else COLOURS["review"]
        if s * 1000 <= SLOW_LATENCY_MS
        else COLOURS["alert"]
        for s in latencies
    ]
    figure, axes = plt.subplots(figsize=(10, 2.4))
    axes.axhspan(0, NORMAL_LATENCY_MS / 1000, color=TINTS["ok"], zorder=0, label="normal conversation")
    axes.axhline(0.2, color=COLOURS["ok"], linewidth=1, linestyle=":", label="typical turn gap (0.2 s)")
    positions = range(1, len(latencies) + 1)
    axes.bar(positions, latencies, color=colours, width=0.6, zorder=2)
    for x, s in zip(positions, latencies):
        axes.text(x, s, f"{s:.1f} s", ha="center", va="bottom", fontsize=8)
    axes.set_xticks(list(positions))
    axes.set_xticklabels([f"answer {i}" for i in positions], fontsize=8)
    axes.set_ylabel("seconds until the answer")
    axes.set_ylim(0, max(latencies + [SLOW_LATENCY_MS / 1000]) * 1.2)
    axes.legend(loc="upper left", fontsize=8, frameon=False)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    return _png(figure)
