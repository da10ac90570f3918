"""Sign-off tab: the stored sessions, one session's report, recording a decision into the audit
log, and whether the audit chain still verifies (the same store as `interview-verify sessions`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from html import escape

import gradio as gr
import pandas as pd

from interview.overall import STATUS_LABELS
from interview.records import audit
from interview.records.store import DECISIONS, SessionRecord, SessionRow
from interview.report.content import STATUS_SYMBOLS
from interview.report.plots import COLOURS
from ui.access import acting, require
from ui.context import AppContext
from ui.errors import error_html, fail, friendly, message_for
from ui.results import ResultsView

SESSION_HEADERS = ["session", "date", "candidate", "status", "consent", "decision", "headline"]
SESSION_WIDTHS = ["11%", "11%", "13%", "12%", "8%", "17%", "28%"]  # fits the tab at 1280 px, no sideways scroll
ANY = "any"
PERIODS = {"any time": None, "today": 1, "last 7 days": 7, "last 30 days": 30}
SIGN_DESCRIPTION = """Record a hiring decision on a stored session as the logged-in account (its name and role go
into the audit chain). Inputs: `session_id`, `decision` (approve, reject or escalate), `comment` (optional). Returns
`{session_id, decision, signed_by, audit_seq, receipt}`; an account whose role may not sign is refused."""
DECISION_LABELS = {"approve": "Approve: proceed with the candidate", "reject": "Reject",
                   "escalate": "Escalate: needs a further check"}


def audit_html(ctx: AppContext) -> str:
    result = audit.verify(ctx.store)
    kind = "ok" if result.ok else "alert"
    text = (f"Audit chain verifies: {result.entries} entries, head {result.head_hash[:16]}…" if result.ok
            else f"Audit chain does NOT verify: {result.describe()}")
    return (f'<div class="iv-light iv-{kind}" data-audit="{kind}"><span class="iv-pill">Audit</span> '
            f'{escape(text)}</div>')


@dataclass(frozen=True)
class SessionFilter:
    """What the session list shows: one status (or any), only undecided sessions, a recent period."""

    status: str = ANY
    undecided: bool = False
    period: str = "any time"

    def keeps(self, s: SessionRow, now: datetime) -> bool:
        days = PERIODS.get(self.period)
        recent = days is None or datetime.fromisoformat(s.created_at) >= now - timedelta(days=days)
        return (self.status in (ANY, s.status)) and not (self.undecided and s.decision) and recent


def _status_style(column: pd.Series) -> list[str]:
    """The status cell in its traffic-light colour (the word and symbol say it too)."""
    codes = {f"{STATUS_SYMBOLS[k]} {label}": k for k, label in STATUS_LABELS.items()}
    return [f"color: {COLOURS[codes[v]]}; font-weight: 700" if v in codes else "" for v in column]


def session_table(ctx: AppContext, only: SessionFilter = SessionFilter()) -> tuple[object, list[tuple[str, str]]]:
    """The narrow session list (a styled table) and the session picker's choices, filtered."""
    rows, choices, now = [], [], datetime.now(timezone.utc)
    for s in ctx.store.list_sessions():
        if not only.keeps(s, now):
            continue
        signed = f"{s.decision} by {s.signed_by} ({s.signed_at[:10]})" if s.decision else "not signed"
        if s.purged_at:
            signed += f"; evidence purged {s.purged_at[:10]}"
        status = f"{STATUS_SYMBOLS.get(s.status, '')} {STATUS_LABELS.get(s.status, s.status)}"
        rows.append([s.id, s.created_at[:16].replace("T", " "), s.candidate or "-", status,
                     "yes" if s.consent else "no", signed, s.headline])
        choices.append((f"{s.id} · {s.candidate or 'no name'} · {s.created_at[:10]}", s.id))
    frame = pd.DataFrame(rows or [["-"] * len(SESSION_HEADERS)], columns=SESSION_HEADERS)
    return frame.style.apply(_status_style, subset=["status"]), choices


def _signoff_line(o: dict) -> str:
    role = f" ({escape(o['role'])})" if o.get("role") else ""
    comment = f": {escape(o['comment'])}" if o.get("comment") else ""
    return f"- **{escape(o['decision'])}** by {escape(o['name'])}{role}, {o['signed_at']}{comment}"


def history_md(record: SessionRecord) -> str:
    lines = [_signoff_line(o) for o in record.signoffs]
    consents = [f"- consent given by {escape(c['given_by'])} at {c['given_at']}" for c in record.consents]
    return "\n".join(["**Sign-offs**"] + (lines or ["- none yet"]) + consents)


@dataclass(frozen=True)
class DecisionForm:
    decision: gr.Radio
    name: gr.Textbox
    role: gr.Textbox
    comment: gr.Textbox
    sign: gr.Button
    receipt: gr.Markdown
    history: gr.Markdown


def decision_form() -> DecisionForm:
    """The decision, beside the headline and cards it rests on (above the full report)."""
    with gr.Group():
        decision = gr.Radio([(DECISION_LABELS[d], d) for d in DECISIONS], label="Decision", elem_id="iv-decision")
        with gr.Row():
            name = gr.Textbox(label="Your name", elem_id="iv-signer", min_width=140)
            role = gr.Textbox(label="Your role", elem_id="iv-role", min_width=140)
        comment = gr.Textbox(label="Comment", lines=2, elem_id="iv-comment")
        sign = gr.Button("Record sign-off", variant="primary", elem_id="iv-sign")
    receipt = gr.Markdown(elem_id="iv-receipt")
    history = gr.Markdown(elem_id="iv-signoff-history")
    return DecisionForm(decision, name, role, comment, sign, receipt, history)


def sign(ctx: AppContext, request: gr.Request | None, session_id: str | None, decision: str | None,
         name: str | None, role: str | None, comment: str | None) -> tuple[audit.Entry, str]:
    """Record a decision as the logged-in account (its name and role; what the form says is
    ignored), or, without accounts, as the name typed by the local operator. Returns the audit
    entry and who signed."""
    account = require(ctx, request, "sign")
    if not session_id:
        raise fail("Choose a session to sign off first.")
    if not decision:
        raise fail("Choose a decision: approve, reject or escalate.")
    if ctx.login_required:
        name, role = account.display_name, account.role.replace("_", " ")
    elif not (name or "").strip():
        raise fail("Enter your name: a sign-off records who decided.")
    entry = ctx.store.sign_off(session_id, decision, name.strip(), role=(role or "").strip() or None,
                               comment=(comment or "").strip() or None, account=account.username)
    return entry, name.strip()


def build_signoff_tab(ctx: AppContext, tab: gr.Tab) -> None:
    gr.Markdown("Every analysed session, newest first. Open one to read its report, then record the decision: it is "
                "added to a tamper-evident audit log tied to the report as it is now.")
    audit_status = gr.HTML(elem_id="iv-audit")
    with gr.Row(equal_height=False):
        status_filter = gr.Dropdown([("Any status", ANY)] + [(label, key) for key, label in STATUS_LABELS.items()],
                                    value=ANY, label="Status", elem_id="iv-filter-status", min_width=160)
        undecided = gr.Checkbox(label="Only sessions without a decision", elem_id="iv-filter-undecided",
                                min_width=200)
        period = gr.Dropdown(list(PERIODS), value="any time", label="Date", elem_id="iv-filter-date", min_width=160)
        refresh = gr.Button("Refresh", size="sm", scale=0, min_width=100)
    table = gr.Dataframe(headers=SESSION_HEADERS, interactive=False, wrap=True, elem_id="iv-sessions",
                         label="Sessions (pick a row to open it)", column_widths=SESSION_WIDTHS, max_height=360)
    chosen = gr.Dropdown(label="Session", choices=[], elem_id="iv-signoff-session")
    results = ResultsView(aside=decision_form)
    form: DecisionForm = results.aside
    filters = [status_filter, undecided, period]

    @friendly
    def load(selected, status, only_undecided, since, request: gr.Request):
        """The list, and with accounts the signer's name and role from the login (not editable)."""
        rows, choices = session_table(ctx, SessionFilter(status or ANY, bool(only_undecided), since or "any time"))
        keep = selected if any(value == selected for _, value in choices) else None
        signer = [gr.skip(), gr.skip()]
        if ctx.login_required:
            account = acting(ctx, request)
            signer = [gr.Textbox(value=account.display_name, interactive=False),
                      gr.Textbox(value=account.role.replace("_", " "), interactive=False)]
        return audit_html(ctx), rows, gr.Dropdown(choices=choices, value=keep), *signer

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

    def record(session_id, choice, who, what_role, text, status, only_undecided, since, request: gr.Request):
        """A missing field, a role that may not sign or a store problem stays under the button, in words."""
        try:
            entry, signer = sign(ctx, request, session_id, choice, who, what_role, text)
        except Exception as exc:
            return error_html(message_for(exc), "Not recorded"), gr.skip(), gr.skip(), gr.skip()
        note = (f"Recorded **{choice}** for session `{entry.session_id}` by {escape(signer)}. Receipt (audit entry "
                f"{entry.seq}): `{entry.entry_hash}`")
        rows, _ = session_table(ctx, SessionFilter(status, only_undecided, since))
        return note, rows, audit_html(ctx), history_md(ctx.store.get_session(entry.session_id))

    @friendly
    def sign_off_endpoint(session_id, decision, comment=None, request: gr.Request = None):
        entry, signer = sign(ctx, request, session_id, decision, None, None, comment)
        return {"session_id": entry.session_id, "decision": decision, "signed_by": signer, "audit_seq": entry.seq,
                "receipt": entry.entry_hash}

    for trigger in (tab.select, refresh.click, *(f.change for f in filters)):
        trigger(load, [chosen, *filters], [audit_status, table, chosen, form.name, form.role],
                api_visibility="private")
    chosen.change(open_session, chosen, [form.history, *results.outputs], api_visibility="private")
    table.select(pick_row, None, chosen, api_visibility="private")
    form.sign.click(record, [chosen, form.decision, form.name, form.role, form.comment, *filters],
                    [form.receipt, table, audit_status, form.history], api_visibility="private")
    api_session, api_decision, api_comment = (gr.Textbox(label=label, visible=False)
                                              for label in ("session_id", "decision", "comment"))
    gr.Button(visible=False).click(sign_off_endpoint, [api_session, api_decision, api_comment],
                                   gr.JSON(visible=False), api_name="sign_off", api_description=SIGN_DESCRIPTION)
