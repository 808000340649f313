"""Log in and out. The login form has its own CSRF token (a signed double-submit cookie,
bot/console/login_guard.py), because there is no session yet to keep one in."""

from __future__ import annotations

import functools

from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.flood_guard import source_of
from bot.console import store
from bot.console.cookies import LOGIN_CSRF_COOKIE, SESSION_COOKIE, clear_cookie, set_cookie
from bot.console.login_guard import login_token_ok, new_login_token
from bot.console.views import render, sent_csrf
from bot.web_safety import client_address

MAX_FIELD_CHARS = 256


def register(app: Sanic) -> None:
    app.add_route(login_form, "/login", methods=["GET"])
    app.add_route(login, "/login", methods=["POST"])
    app.add_route(logout, "/logout", methods=["POST"])


def _form(request: Request, message: str = "", status: int = 200) -> HTTPResponse:
    console = request.app.ctx.console
    token = new_login_token(console.login_key, console.clock())
    resp = render(request, "login.html", status=status, csrf_token=token, message=message)
    set_cookie(resp, LOGIN_CSRF_COOKIE, token, console.secure_cookies)
    return resp


async def login_form(request: Request) -> HTTPResponse:
    return _form(request)


async def login(request: Request) -> HTTPResponse:
    console = request.app.ctx.console
    form = request.form or {}
    if not login_token_ok(console.login_key, form.get("csrf_token"),
                          request.cookies.get(LOGIN_CSRF_COOKIE), console.clock()):
        return _form(request, "Het formulier was verlopen. Probeer het nog eens.", status=403)
    source = source_of(client_address(request), console.login_key)
    if not console.login_guard.allow(source):
        return _form(request, "Er wordt nu te vaak geprobeerd in te loggen. Wacht een minuut en "
                              "probeer het dan opnieuw.", status=429)
    username = (form.get("username") or "").strip().lower()[:MAX_FIELD_CHARS]
    password = (form.get("password") or "")[:MAX_FIELD_CHARS]
    result = await console.login_guard.off_the_loop(
        functools.partial(console.accounts.authenticate, username, password, source))
    if result.counsellor is None:
        console.login_guard.failed(source)
        action = store.LOCKED if result.locked else store.LOGIN_FAILED
        console.audit.record(username or "-", action)
        message = ("Te veel mislukte pogingen. Deze naam is vanaf hier een tijdje "
                   "geblokkeerd; probeer het later opnieuw of vraag je teamleider."
                   if result.locked else "Gebruikersnaam of wachtwoord klopt niet.")
        return _form(request, message, status=401)
    console.audit.record(username, store.LOGIN)
    resp = response.redirect("/", status=303)
    set_cookie(resp, SESSION_COOKIE, console.sessions.start(result.counsellor),
               console.secure_cookies)
    clear_cookie(resp, LOGIN_CSRF_COOKIE, console.secure_cookies)
    return resp


async def logout(request: Request) -> HTTPResponse:
    console = request.app.ctx.console
    token = request.cookies.get(SESSION_COOKIE)
    session = console.sessions.find(token)
    if session is not None and session.csrf_ok(sent_csrf(request)):
        console.sessions.end(token)
        console.audit.record(session.counsellor.username, store.LOGOUT)
    resp = response.redirect("/login", status=303)
    clear_cookie(resp, SESSION_COOKIE, console.secure_cookies)
    return resp
