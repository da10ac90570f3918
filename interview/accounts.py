"""Named accounts of the people who use the app, their roles, and what each role may do.

Passwords are hashed with Argon2id (argon2-cffi, the algorithm OWASP recommends for password storage);
the store keeps only the hash. Accounts live in the session store's `accounts` table (migration 3),
so every machine of a PostgreSQL store shares them. The app asks for a login as soon as one account
exists, and the server checks the logged-in account's role on every event that changes something:
the signer of a decision is always the account, never a name typed into a form.

    add_account(store, "ann", "a long passphrase", "hiring_manager", "Ann Manager")
    login(store, "ann", "a long passphrase")          # -> Account, or None
    allowed("reviewer", "sign")                        # -> False
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import cache
from typing import TYPE_CHECKING

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from interview.records.store import StoreError

if TYPE_CHECKING:
    from interview.records.store import Store

ROLES = ("interviewer", "reviewer", "hiring_manager", "admin")
# What each action needs. Looking at sessions and reports needs only a login.
PERMISSIONS: dict[str, frozenset[str]] = {
    "analyse": frozenset({"interviewer", "reviewer", "hiring_manager", "admin"}),  # upload a recording
    "live": frozenset({"interviewer", "hiring_manager", "admin"}),  # run a live call, ask challenges
    "sign": frozenset({"hiring_manager", "admin"}),  # record a hiring decision
}
ACTION_WORDS = {"analyse": "analyse recordings", "live": "run live calls", "sign": "sign off decisions"}
MIN_PASSWORD = 10
_HASHER = PasswordHasher()  # Argon2id with the library's current defaults (RFC 9106 low-memory profile)


@cache
def dummy_hash() -> str:
    """What an unknown name's login is checked against. Made when the app starts (`serve`, so the
    first login costs what every other does), not on import: an Argon2 hash is 0.05-0.12 s of
    start-up that every command, an analysis too, would pay."""
    return _HASHER.hash("an unknown user takes as long as a known one")


@dataclass(frozen=True)
class Account:
    username: str
    display_name: str
    role: str

    def can(self, action: str) -> bool:
        return allowed(self.role, action)


def allowed(role: str, action: str) -> bool:
    return role in PERMISSIONS[action]


def local_operator() -> str:
    """Who acts when nobody logs in (the CLI, or the app on loopback without accounts): the OS user."""
    try:
        return f"local:{getpass.getuser()}"
    except OSError:  # no name for this uid (some containers)
        return "local:unknown"


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise StoreError(f"role must be one of {', '.join(ROLES)}, got {role!r}")


def add_account(store: Store, username: str, password: str, role: str, display_name: str | None = None,
                by: str | None = None) -> Account:
    """Create an account; the audit chain records who did (`by`, else the local operator)."""
    username = username.strip()
    _check_role(role)
    if not username or ":" in username or any(c.isspace() for c in username):
        raise StoreError("a username needs at least one character and no spaces or colons")
    if len(password) < MIN_PASSWORD:
        raise StoreError(f"the password needs at least {MIN_PASSWORD} characters")
    account = Account(username, (display_name or "").strip() or username, role)
    with store.write() as conn:
        if conn.execute("SELECT 1 FROM accounts WHERE username = ?", (username,)).fetchone():
            raise StoreError(f"there is already an account {username!r}")
        conn.execute("INSERT INTO accounts (username, display_name, role, password_hash, created_at) "
                     "VALUES (?,?,?,?,?)", (username, account.display_name, role, _HASHER.hash(password),
                                           datetime.now(timezone.utc).isoformat(timespec="seconds")))
        store.record_account_change(conn, username, "added", role, account.display_name, by or local_operator())
    return account


def remove_account(store: Store, username: str, by: str | None = None) -> None:
    """Delete an account; the audit chain records who did (`by`, else the local operator)."""
    with store.write() as conn:
        row = conn.execute("SELECT role, display_name FROM accounts WHERE username = ?", (username,)).fetchone()
        if not row:
            raise StoreError(f"there is no account {username!r}")
        conn.execute("DELETE FROM accounts WHERE username = ?", (username,))
        store.record_account_change(conn, username, "removed", row[0], row[1], by or local_operator())


def list_accounts(store: Store) -> list[Account]:
    with store.connect() as conn:
        rows = conn.execute("SELECT username, display_name, role FROM accounts ORDER BY username").fetchall()
    return [Account(*row) for row in rows]


def has_accounts(store: Store) -> bool:
    with store.connect() as conn:
        return conn.execute("SELECT 1 FROM accounts LIMIT 1").fetchone() is not None


def get_account(store: Store, username: str | None) -> Account | None:
    if not username:
        return None
    with store.connect() as conn:
        row = conn.execute("SELECT username, display_name, role FROM accounts WHERE username = ?",
                           (username,)).fetchone()
    return Account(*row) if row else None


def login(store: Store, username: str, password: str) -> Account | None:
    """The account if the password matches; an unknown name costs one hash too (no user enumeration)."""
    with store.connect() as conn:
        row = conn.execute("SELECT username, display_name, role, password_hash FROM accounts WHERE username = ?",
                           ((username or "").strip(),)).fetchone()
    try:
        _HASHER.verify(row[3] if row else dummy_hash(), password or "")
    except (VerificationError, InvalidHashError):
        return None
    return Account(*row[:3]) if row else None
