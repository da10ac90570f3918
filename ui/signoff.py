"""Sign-off tab: the stored sessions, one session's report, recording a decision into the audit
log, and whether the audit chain still verifies (the same store as `interview-verify sessions`)."""

from __future__ import annotations

from html import escape

import gradio as gr

from interview import audit
from interview.overall import STATUS_LABELS
from interview.store import DECISIONS, SessionRecord
from ui.app import AppContext
from ui.errors import fail, friendly
from ui.results import ResultsView

SESSION_HEADERS = ["session", "date", "candidate", "status", "headline", "consent", "sign-off"]
DECISION_LABELS = {"approve": "Approve: proceed with the candidate", "reject": "Reject",
                   "escalate": "Escalate: needs a further check"}


def audit_html(ctx: AppContext) -> str:
    result = audit.verify(ctx.store)
    kind = "ok" if result.ok else "alert"
    text = (f"Audit chain verifies: {result.entries} entries, head {result.head_hash[:16]}…" if result.ok
            else f"Audit chain does NOT verify: {result.describe()}")
    return (f'<div class="iv-light iv-{kind}" data-audit="{kind}"><span class="iv-pill">Audit</span> '
            f'{escape(text)}</div>')


def session_table(ctx: AppContext) -> tuple[list[list[str]], list[tuple[str, str]]]:
    rows, choices = [], []
    for s in ctx.store.list_sessions():
        signed = f"{s.decision} by {s.signed_by} ({s.signed_at[:10]})" if s.decision else "not signed"
        if s.purged_at:
            signed += f"; evidence purged {s.purged_at[:10]}"
        rows.append([s.id, s.created_at[:16].replace("T", " "), s.candidate or "-",
                     STATUS_LABELS.get(s.status, s.status), s.headline, "yes" if s.consent else "no", signed])
        choices.append((f"{s.id} · {s.candidate or 'no name'} · {s.created_at[:10]}", s.id))
    return rows or [["-"] * len(SESSION_HEADERS)], choices


def _signoff_line(o: dict) -> str:
    role = f" ({escape(o['role'])})" if o.get("role") else ""
    comment = f": {escape(o['comment'])}" if o.get("comment") else ""
    return f"- **{escape(o['decision'])}** by {escape(o['name'])}{role}, {o['signed_at']}{comment}"


def history_md(record: SessionRecord) -> str:
    lines = [_signoff_line(o) for o in record.signoffs]
    consents = [f"- consent given by {escape(c['given_by'])} at {c['given_at']}" for c in record.consents]
    return "\n".join(["**Sign-offs**"] + (lines or ["- none yet"]) + consents)


def build_signoff_tab(ctx: AppContext, tab: gr.Tab) -> None:
    gr.Markdown("Every analysed session, newest first. Open one to read its report, then record the decision: it is "
                "added to a tamper-evident audit log tied to the report as it is now.")
    audit_status = gr.HTML(elem_id="iv-audit")
    table = gr.Dataframe(headers=SESSION_HEADERS, interactive=False, wrap=True, elem_id="iv-sessions",
                         label="Sessions")
    with gr.Row():
        chosen = gr.Dropdown(label="Session", choices=[], elem_id="iv-signoff-session", scale=3)
        refresh = gr.Button("Refresh", size="sm", scale=0)
    history = gr.Markdown(elem_id="iv-signoff-history")
    results = ResultsView()
    with gr.Group():
        decision = gr.Radio([(DECISION_LABELS[d], d) for d in DECISIONS], label="Decision", elem_id="iv-decision")
        with gr.Row():
            name = gr.Textbox(label="Your name", elem_id="iv-signer")
            role = gr.Textbox(label="Your role", elem_id="iv-role")
        comment = gr.Textbox(label="Comment", lines=2, elem_id="iv-comment")
        sign = gr.Button("Record sign-off", variant="primary", elem_id="iv-sign")
    receipt = gr.Markdown(elem_id="iv-receipt")

    @friendly
    def load(selected):
        rows, choices = session_table(ctx)
        keep = selected if any(value == selected for _, value in choices) else None
        return audit_html(ctx), rows, gr.Dropdown(choices=choices, value=keep)

    @friendly
    def open_session(session_id):
        if not session_id:
            return ["", *results.hidden()]
        record = ctx.store.get_session(session_id)
        return [history_md(record), *results.values(record.summary, record.out_dir)]

    @friendly
    def pick_row(event: gr.SelectData):
        row = event.row_value or []
        return row[0] if row and row[0] != "-" else gr.skip()

    @friendly
    def record(session_id, choice, who, what_role, text):
        if not session_id:
            raise fail("Choose a session to sign off first.")
        if not choice:
            raise fail("Choose a decision: approve, reject or escalate.")
        if not (who or "").strip():
            raise fail("Enter your name: a sign-off records who decided.")
        entry = ctx.store.sign_off(session_id, choice, who.strip(), role=(what_role or "").strip() or None,
                                   comment=(text or "").strip() or None)
        note = (f"Recorded **{choice}** for session `{session_id}` by {escape(who.strip())}. Receipt (audit entry "
                f"{entry.seq}): `{entry.entry_hash}`")
        rows, _ = session_table(ctx)
        return note, rows, audit_html(ctx), history_md(ctx.store.get_session(session_id))

    for trigger in (tab.select, refresh.click):
        trigger(load, chosen, [audit_status, table, chosen], api_visibility="private")
    chosen.change(open_session, chosen, [history, *results.outputs], api_visibility="private")
    table.select(pick_row, None, chosen, api_visibility="private")
    sign.click(record, [chosen, decision, name, role, comment], [receipt, table, audit_status, history],
               api_visibility="private")
