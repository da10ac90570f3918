"""Named accounts: Argon2id hashes in the store, logins, roles; on a real server a reviewer cannot
sign off by any door (the documented API through gradio_client, or a raw queue post to the sign-off
form's function as the issue's attacker did), a hiring manager can, and the audit entry names them."""

from __future__ import annotations

import io
import json
import sqlite3

import pytest

from interview import accounts
from interview.cli import main
from interview.records import audit
from interview.records.store import Store, StoreError, new_session_dir

PASSWORDS = {"rita": "reviewer password", "hank": "manager password", "ivy": "interviewer pass"}


def test_passwords_are_argon2id_hashes_and_logins_check_them(tmp_path):
    store = Store(tmp_path / "s.db")
    ann = accounts.add_account(store, "ann", "a long passphrase", "hiring_manager", "Ann Manager")
    assert ann == accounts.Account("ann", "Ann Manager", "hiring_manager") and ann.can("sign")
    stored = sqlite3.connect(tmp_path / "s.db").execute("SELECT password_hash FROM accounts").fetchone()[0]
    assert stored.startswith("$argon2id$") and "a long passphrase" not in stored
    assert accounts.login(store, "ann", "a long passphrase") == ann
    assert accounts.login(store, "ann", "a long passphrasE") is None
    assert accounts.login(store, "nobody", "a long passphrase") is None
    assert not accounts.allowed("reviewer", "sign") and not accounts.allowed("interviewer", "sign")
    assert accounts.allowed("reviewer", "analyse") and not accounts.allowed("reviewer", "live")
    for args, problem in [(("ann", "another passphrase", "admin"), "already an account 'ann'"),
                          (("bo", "short", "admin"), "at least 10 characters"),
                          (("bo b", "a long passphrase", "admin"), "no spaces or colons"),
                          (("bo", "a long passphrase", "boss"), "role must be one of")]:
        with pytest.raises(StoreError, match=problem):
            accounts.add_account(store, *args)


def test_cli_adds_lists_and_removes_accounts_and_signs_as_the_os_user(tmp_path, monkeypatch, capsys):
    db = str(tmp_path / "s.db")
    monkeypatch.setattr("sys.stdin", io.StringIO("a long passphrase\n"))
    assert main(["accounts", "add", "ann", "--role", "reviewer", "--name", "Ann R", "--password-stdin",
                 "--db", db]) == 0
    assert main(["accounts", "list", "--db", db]) == 0
    assert "ann                  reviewer        Ann R" in capsys.readouterr().out
    assert main(["accounts", "remove", "ann", "--db", db]) == 0
    assert accounts.list_accounts(Store(db)) == []
    assert main(["accounts", "remove", "ann", "--db", db]) == 2
    assert capsys.readouterr().err.strip() == "interview-verify: error: there is no account 'ann'"

    session_id = record_session(Store(db), tmp_path)
    assert main(["signoff", session_id, "--decision", "approve", "--name", "Op", "--db", db]) == 0
    assert Store(db).get_session(session_id).signoffs[0]["account"] == accounts.local_operator()

    # who added and removed the account is in the audit chain, vouched for like a sign-off
    with Store(db).connect() as conn:
        changes = [json.loads(e.payload) for e in audit.entries(conn) if e.kind == "account"]
    assert [(c["username"], c["action"], c["role"], c["changed_by"]) for c in changes] == [
        ("ann", "added", "reviewer", accounts.local_operator()), ("ann", "removed", "reviewer", accounts.local_operator())]
    assert audit.verify(Store(db)).ok
    raw = sqlite3.connect(db)
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        raw.execute("UPDATE account_changes SET changed_by = 'someone else'")
    raw.rollback()
    raw.execute("INSERT INTO account_changes (username, action, changed_by, changed_at) VALUES ('eve', 'added', 'x', 'now')")
    raw.commit()
    raw.close()
    result = audit.verify(Store(db))
    assert not result.ok and "account" in result.reason and "no audit entry" in result.reason


def record_session(store: Store, tmp_path) -> str:
    """A stored session with a one-file report (what is signed does not need a real analysis here)."""
    out = tmp_path / "report"
    out.mkdir(exist_ok=True)
    summary = {"session_id": "s" + tmp_path.name[-8:], "overall": {"status": "ok", "risk": 0.1, "headline": "ok"}}
    (out / "summary.json").write_text(json.dumps(summary))
    return store.record_session(summary, out)


@pytest.fixture(scope="module")
def roles_server(tmp_path_factory):
    from tests.ui_server import running_app

    root = tmp_path_factory.mktemp("roles")
    store = Store(root / "sessions.db")
    for (name, password), role in zip(PASSWORDS.items(), ("reviewer", "hiring_manager", "interviewer")):
        accounts.add_account(store, name, password, role, display_name=f"{name.title()} {role.split('_')[0]}")
    session_id = record_session(store, root)
    with running_app(root) as app:
        yield app, store, session_id


def client_as(url: str, user: str):
    from gradio_client import Client

    return Client(url, auth=(user, PASSWORDS[user]), verbose=False, download_files=False)


def as_user(url: str, user: str, session_id: str, form: tuple) -> list:
    """The sign-off form posted straight to the queue, as an attacker with `user`'s login does."""
    from tests.ui_server import queue_events, signoff_events

    login = (user, PASSWORDS[user])
    return queue_events(url, signoff_events(url, session_id, form, login), login)


def test_a_reviewer_cannot_sign_by_any_door_and_a_hiring_manager_can(models_ready, roles_server):
    app, store, session_id = roles_server
    with pytest.raises(Exception, match="Your account rita \\(reviewer\\) may not sign off decisions"):
        client_as(app.url, "rita").predict(session_id, "approve", "looks fine", api_name="/sign_off")
    forged = ("approve", "Mallory", "boss", "forged")
    outputs = as_user(app.url, "rita", session_id, forged)
    assert "<b>Not recorded:</b> Your account rita (reviewer) may not sign off decisions." in outputs[0]
    with pytest.raises(Exception, match="ivy \\(interviewer\\) may not sign off"):
        client_as(app.url, "ivy").predict(session_id, "approve", "", api_name="/sign_off")
    assert store.get_session(session_id).signoffs == []

    receipt = client_as(app.url, "hank").predict(session_id, "escalate", "check the ID again", api_name="/sign_off")
    # the form's name and role are ignored for a logged-in account: the account signs
    outputs = as_user(app.url, "hank", session_id, forged)
    assert "by Hank hiring" in outputs[0] and "Mallory" not in outputs[0]
    signed = store.get_session(session_id).signoffs
    assert [(s["decision"], s["name"], s["role"], s["account"]) for s in signed] == [
        ("escalate", "Hank hiring", "hiring manager", "hank"), ("approve", "Hank hiring", "hiring manager", "hank")]
    with store.connect() as conn:
        entry = next(e for e in audit.entries(conn) if e.entry_hash == receipt["receipt"])
    assert entry.kind == "signoff" and json.loads(entry.payload)["account"] == "hank"
    assert audit.verify(store).ok


def test_the_meeting_share_functions_check_the_role_too(models_ready, roles_server):
    """A component's server functions (the meeting share's frame, audio, join) are their own route:
    a reviewer who learns a running session's id still cannot push into it."""
    import base64

    import httpx

    app, store, _ = roles_server
    session_id = client_as(app.url, "hank").predict("Sam Share", api_name="/create_live_session")["session_id"]
    pcm = base64.b64encode(b"\0" * 3200).decode()
    replies = {}
    for user in ("rita", "hank"):
        with httpx.Client(base_url=app.url, timeout=30) as http:
            http.post("/login", data={"username": user, "password": PASSWORDS[user]})
            config = http.get("/config").json()
            widget = next(c["id"] for c in config["components"]
                          if c.get("props", {}).get("elem_id") == "iv-capture-screen")
            replies[user] = http.post("/gradio_api/component_server", json={
                "data": {"session": session_id, "t": 0.5, "rate": 16000, "pcm": pcm}, "component_id": widget,
                "fn_name": "audio", "session_hash": f"share-{user}"}).json()
    assert replies["rita"] == {"ok": False, "message": "Your account may not run live calls."}
    assert replies["hank"] == {"ok": True}
    client_as(app.url, "hank").predict(session_id, api_name="/end_live_session")


def test_files_of_the_data_dir_need_a_login(roles_server):
    """The file routes serve the data dir (reports, evidence frames) only to a logged-in account:
    a candidate's browser, which holds no login, gets nothing from them."""
    import httpx

    app, store, session_id = roles_server
    report = new_session_dir(app.data_dir) / "summary.json"  # where the app writes a session's report
    report.write_text(json.dumps({"session_id": session_id}))
    with httpx.Client(base_url=app.url, follow_redirects=False, timeout=10) as anonymous:
        for route in (f"/gradio_api/file={report}", f"/file={report}"):
            response = anonymous.get(route)
            assert response.status_code in (401, 403, 404), (route, response.status_code, response.text[:200])
            assert session_id not in response.text
    with httpx.Client(base_url=app.url, follow_redirects=False, timeout=10) as hank:
        assert hank.post("/login", data={"username": "hank", "password": PASSWORDS["hank"]}).status_code == 200
        served = hank.get(f"/gradio_api/file={report}")
        assert served.status_code == 200 and session_id in served.text  # the same file, with a login
