"""Errors as one sentence a person can act on. Every event handler is wrapped in `friendly`: a
problem the user can fix names the file and the fix, anything else says where the details are
(the server log), and no traceback reaches the page."""

from __future__ import annotations

import functools
import inspect
import logging
from collections.abc import Callable
from html import escape

import gradio as gr

from interview.images import ImageError
from interview.live import LiveSessionClosed
from interview.media import MediaError
from interview.records.store import StoreError
from models.registry import ModelMissingError

log = logging.getLogger("interview_verify.ui")


def user_message(exc: BaseException) -> str:
    if isinstance(exc, MediaError):  # said for the page, not the command line
        problem = exc.problem.replace("goes to --id-photo", "goes in the “ID photo” box")
        return f"The recording {exc.path.name} cannot be used: {problem}."
    if isinstance(exc, ImageError):
        return f"The photo {exc.path.name} cannot be used: {exc.problem}."
    if isinstance(exc, StoreError):
        return f"{str(exc)[:1].upper()}{str(exc)[1:]}."
    if isinstance(exc, ModelMissingError):
        return "The analysis models are not installed on the server: run `interview-verify models fetch` there."
    if isinstance(exc, LiveSessionClosed):
        return "This live session has ended: start a new one."
    return f"Something went wrong ({type(exc).__name__}); the server log has the details, please try again."


def fail(message: str) -> gr.Error:
    """An error for the page (escaped: the message may name an uploaded file)."""
    return gr.Error(escape(message), duration=None, print_exception=False)  # stays until closed


def message_for(exc: Exception) -> str:
    """The one sentence for the page (HTML-escaped); an unexpected error is logged with its traceback."""
    if isinstance(exc, gr.Error):
        return exc.message
    if not isinstance(exc, (MediaError, ImageError, StoreError, LiveSessionClosed)):
        log.exception("unexpected error: %s", exc)
    return escape(user_message(exc))


def error_html(message: str, title: str = "Could not analyse") -> str:
    """An error that stays on the page where the result would have appeared (a pop-up vanishes)."""
    return f'<div class="iv-error" role="alert"><b>{escape(title)}:</b> {message}</div>'


def friendly(fn: Callable) -> Callable:
    """Turn any exception from an event handler into a one-sentence gr.Error."""

    def one_sentence(exc: Exception) -> gr.Error:
        return gr.Error(message_for(exc), duration=None, print_exception=False)

    if inspect.isgeneratorfunction(fn):  # a handler that yields updates (the review tab's queue)

        @functools.wraps(fn)
        def generator(*args, **kwargs):
            try:
                yield from fn(*args, **kwargs)
            except gr.Error:
                raise
            except Exception as exc:
                raise one_sentence(exc) from None

        return generator

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except gr.Error:
            raise
        except Exception as exc:
            raise one_sentence(exc) from None

    return wrapper
