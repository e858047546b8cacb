"""The login: the USER:PASSWORD setting, and whether a request carries the chat's login cookie.

HTTP Basic on /api/ and /files/ and the throttling of failed logins are checked in
web/security.py; the chat's login page is Gradio's own.
"""
from __future__ import annotations

from typing import Any, Callable

from ..types import AssistantError


def parse_auth(value: str | tuple[str, str] | None) -> tuple[str, str] | None:
    """'user:password' (or a pair) -> (user, password); None/'' -> None."""
    if value is None or value == "":
        return None
    if isinstance(value, (tuple, list)):
        user, password = value
    else:
        if ":" not in value:
            raise AssistantError("the login must be given as USER:PASSWORD (in --auth or $ASSISTANT_AUTH)")
        user, password = value.split(":", 1)
    if not user or not password:
        raise AssistantError("the login needs both a user name and a password: USER:PASSWORD")
    return str(user), str(password)


def gradio_session_check(app: Any) -> Callable[[dict], bool]:
    """Whether a request's cookies hold a login of the Gradio chat mounted on `app` (so that
    the chat's links to /files/ work without HTTP Basic)."""
    gradio_app = next((r.app for r in app.routes if getattr(r, "path", None) in ("", "/")
                       and hasattr(getattr(r, "app", None), "tokens")), None)

    def session_ok(cookies: dict) -> bool:
        if gradio_app is None:
            return False
        for key in (f"access-token-{gradio_app.cookie_id}", f"access-token-unsecure-{gradio_app.cookie_id}"):
            if cookies.get(key) and cookies[key] in gradio_app.tokens:
                return True
        return False

    return session_ok
