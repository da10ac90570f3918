"""Who acts on an event, and whether their role allows it. Checked on the server, from the login
Gradio attached to the request, in every handler that changes something: a hidden button or a
queue post with another function's index reaches the same check.

Without accounts (the app on this machine only) the OS user running the server acts, with every
right, as the command line does."""

from __future__ import annotations

import gradio as gr

from interview.accounts import ACTION_WORDS, Account, get_account, local_operator
from ui.context import AppContext
from ui.errors import fail


def username(request: object) -> str | None:
    """The login behind a request. Events get a gr.Request that carries it; a component's server
    function gets the raw request, whose cookie Gradio's token table maps to it (as Gradio's own
    /gradio_api/user route does)."""
    if getattr(request, "username", None):
        return request.username
    app = getattr(request, "app", None)
    if not hasattr(app, "tokens"):
        return None
    cookies = request.cookies
    token = cookies.get(f"access-token-{app.cookie_id}") or cookies.get(f"access-token-unsecure-{app.cookie_id}")
    return app.tokens.get(token)


def acting(ctx: AppContext, request: gr.Request | None) -> Account:
    if not ctx.login_required:
        return Account(local_operator(), local_operator(), "admin")
    account = get_account(ctx.store, username(request))
    if account is None:
        raise fail("Your account is not known to this server (removed?): sign in again.")
    return account


def require(ctx: AppContext, request: gr.Request | None, action: str) -> Account:
    account = acting(ctx, request)
    if not account.can(action):
        raise fail(f"Your account {account.username} ({account.role.replace('_', ' ')}) may not "
                   f"{ACTION_WORDS[action]}.")
    return account
