"""The console's cookies: HttpOnly, SameSite=Strict, Secure unless settings say otherwise."""

from __future__ import annotations

from typing import Optional

from sanic.response import HTTPResponse

SESSION_COOKIE = "vt_console"
LOGIN_CSRF_COOKIE = "vt_login_csrf"


def set_cookie(resp: HTTPResponse, name: str, value: str, secure: bool,
               max_age: Optional[int] = None) -> None:
    resp.cookies[name] = value
    cookie = resp.cookies[name]
    cookie["httponly"] = True
    cookie["samesite"] = "Strict"
    cookie["path"] = "/"
    if secure:
        cookie["secure"] = True
    if max_age is not None:
        cookie["max-age"] = max_age


def clear_cookie(resp: HTTPResponse, name: str, secure: bool) -> None:
    set_cookie(resp, name, "", secure, max_age=0)

