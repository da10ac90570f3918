"""Named accounts: Argon2id hashes in the store, logins, roles; on a real server a reviewer cannot
sign off by any door (the documented API through gradio_client, or a raw queue post to the sign-off
form's function as the issue's attacker did), a hiring manager can, and the audit entry names them."""

from __future__ import annotations

import io
import json
import sqlite3

import httpx
import pytest

from interview import accounts, audit
from interview.cli import main
from interview.store import Store, StoreError

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


def raw_queue_post(url: str, user: str, events: list[tuple[int, list]]) -> list:
    """What an attacker with a login does: log in, post events to the queue by function index in one
    browser session, and read the last one's outputs."""
    with httpx.Client(base_url=url, timeout=60) as http:
        assert http.post("/login", data={"username": user, "password": PASSWORDS[user]}).status_code == 200
        for fn_index, data in events:
            joined = http.post("/gradio_api/queue/join", json={"data": data, "fn_index": fn_index,
                                                               "session_hash": "attacker1", "event_data": None})
            assert joined.status_code == 200, joined.text
            with http.stream("GET", "/gradio_api/queue/data", params={"session_hash": "attacker1"}) as stream:
                done = next(json.loads(line[5:]) for line in stream.iter_lines()
                            if line.startswith("data:") and json.loads(line[5:]).get("msg") == "process_completed")
    return done["output"].get("data") or [done["output"].get("error")]


def signoff_events(url: str, user: str, session_id: str, *form: object) -> list[tuple[int, list]]:
    """The sign-off tab's list refresh (it fills the session picker's choices) and then its form's
    function (private: not in the API), found in the page config by their components."""
    with httpx.Client(base_url=url, timeout=30) as http:
        http.post("/login", data={"username": user, "password": PASSWORDS[user]})
        config = http.get("/config").json()
    ids = {c.get("props", {}).get("elem_id"): c["id"] for c in config["components"]}
    load = next(i for i, d in enumerate(config["dependencies"]) if ids["iv-signoff-session"] in d["outputs"]
                and ids["iv-audit"] in d["outputs"] and ids["iv-signer"] in d["outputs"])
    record = next(i for i, d in enumerate(config["dependencies"]) if ids["iv-signer"] in d["inputs"])
    return [(load, [None, "any", False, "any time"]), (record, [session_id, *form, "any", False, "any time"])]


def test_a_reviewer_cannot_sign_by_any_door_and_a_hiring_manager_can(models_ready, roles_server):
    app, store, session_id = roles_server
    with pytest.raises(Exception, match="Your account rita \\(reviewer\\) may not sign off decisions"):
        client_as(app.url, "rita").predict(session_id, "approve", "looks fine", api_name="/sign_off")
    forged = ("approve", "Mallory", "boss", "forged")
    outputs = raw_queue_post(app.url, "rita", signoff_events(app.url, "rita", session_id, *forged))
    assert "<b>Not recorded:</b> Your account rita (reviewer) may not sign off decisions." in outputs[0]
    with pytest.raises(Exception, match="ivy \\(interviewer\\) may not sign off"):
        client_as(app.url, "ivy").predict(session_id, "approve", "", api_name="/sign_off")
    assert store.get_session(session_id).signoffs == []

    receipt = client_as(app.url, "hank").predict(session_id, "escalate", "check the ID again", api_name="/sign_off")
    # the form's name and role are ignored for a logged-in account: the account signs
    outputs = raw_queue_post(app.url, "hank", signoff_events(app.url, "hank", session_id, *forged))
    assert "by Hank hiring" in outputs[0] and "Mallory" not in outputs[0]
    signed = store.get_session(session_id).signoffs
    assert [(s["decision"], s["name"], s["role"], s["account"]) for s in signed] == [
        ("escalate", "Hank hiring", "hiring manager", "hank"), ("approve", "Hank hiring", "hiring manager", "hank")]
    with store.connect() as conn:
        entry = next(e for e in audit.entries(conn) if e.entry_hash == receipt["receipt"])
    assert entry.kind == "signoff" and json.loads(entry.payload)["account"] == "hank"
    assert audit.verify(store).ok
