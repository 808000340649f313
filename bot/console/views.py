"""The console's pages and JSON endpoints. Thin: the work is done by the queue, the handoff
service, the accounts and the records; this module checks who asks and renders."""

from __future__ import annotations

import functools
import re
import secrets
from datetime import date, datetime, time, timedelta
from typing import Any, Awaitable, Callable, Dict, List, Optional
from urllib.parse import urlencode

from sanic import Sanic, response
from sanic.exceptions import NotFound
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels import window
from bot.console import labels, store
from bot.console.auth import Session
from bot.console.cookies import SESSION_COOKIE
from bot.db import can_write
from bot.handoff.queue import CLAIMED, CLOSED, MAX_TICKET_ID, Ticket
from bot.handoff.rasa_api import RasaUnavailable
from bot.handoff.service import NotYours
from bot.handoff.transcript import last_person_message_at, read_transcript

MAX_REPLY_CHARS = 4000
MAX_NOTE_CHARS = 4000
# Event ids in ?after= are Rasa's `events.id`: an INTEGER column on both databases.
MAX_EVENT_ID = 2**31 - 1
REPLY_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")
REVIEW_PAGE_SIZE = 100  # rows per review page: a long list would stall the console
Handler = Callable[..., Awaitable[HTTPResponse]]


def _console(request: Request):
    return request.app.ctx.console


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTTPResponse:
    console = _console(request)
    context.setdefault("session", getattr(request.ctx, "session", None))
    context["labels"] = labels
    context["local"] = functools.partial(labels.local_time, console.timezone)
    html = console.templates.get_template(template).render(**context)
    return response.html(html, status=status)


def error_page(request: Request, status: int, message: str) -> HTTPResponse:
    if request.path.startswith("/api/") or _wants_json(request):
        return response.json({"error": message}, status=status)
    return render(request, "error.html", status=status, message=message, status_code=status)


def sent_csrf(request: Request) -> Optional[str]:
    header = request.headers.get("x-csrf-token")
    if header:
        return header
    form = request.form or {}
    return form.get("csrf_token")


def login_required(team_lead: bool = False) -> Callable[[Handler], Handler]:
    """Pages for logged-in counsellors; POSTs also need the session's CSRF token."""
    def wrap(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def guarded(request: Request, *args: Any, **kwargs: Any) -> HTTPResponse:
            session = _console(request).sessions.find(request.cookies.get(SESSION_COOKIE))
            if session is None:
                if request.path.startswith("/api/"):
                    return response.json({"error": "Je bent niet (meer) ingelogd."}, status=401)
                return response.redirect("/login")
            request.ctx.session = session  # also for the menu on an error page
            if request.method == "POST" and not session.csrf_ok(sent_csrf(request)):
                return error_page(request, 403, "Dit formulier is verlopen. Laad de pagina "
                                                "opnieuw en probeer het nog eens.")
            if team_lead and not session.counsellor.is_team_lead:
                return error_page(request, 403, "Deze pagina is alleen voor teamleiders.")
            return await handler(request, *args, **kwargs)
        return guarded
    return wrap


def _ticket_or_404(request: Request, ticket_id: int) -> Ticket:
    try:
        return _console(request).queue.get(ticket_id)
    except KeyError:
        raise NotFound("no such ticket") from None


def register(app: Sanic) -> None:
    from bot.console import login_views

    login_views.register(app)
    app.add_route(queue_page, "/", methods=["GET"])
    app.add_route(queue_api, "/api/queue", methods=["GET"])
    app.add_route(claim, "/tickets/<ticket_id:int>/claim", methods=["POST"])
    app.add_route(chat_page, "/chat/<ticket_id:int>", methods=["GET"])
    app.add_route(transcript_api, "/api/tickets/<ticket_id:int>/transcript", methods=["GET"])
    app.add_route(reply, "/tickets/<ticket_id:int>/reply", methods=["POST"])
    app.add_route(end_chat, "/tickets/<ticket_id:int>/end", methods=["POST"])
    app.add_route(review_list, "/review", methods=["GET"])
    app.add_route(review_page, "/review/<ticket_id:int>", methods=["GET"])
    app.add_route(mark_reviewed, "/review/<ticket_id:int>/reviewed", methods=["POST"])
    app.add_route(print_page, "/review/<ticket_id:int>/print", methods=["GET"])
    app.add_route(audit_page, "/audit", methods=["GET"])
    app.add_route(health, "/health", methods=["GET"])


async def health(request: Request) -> HTTPResponse:
    """200 "ok" while the console's database takes writes, else 503 (for the balancer)."""
    if can_write(_console(request).queue.engine, "console_keys", "name"):
        return response.text("ok")
    return response.text("database unavailable", status=503)


# --- queue -----------------------------------------------------------------------------------
def _queue_row(request: Request, ticket: Ticket, position: Optional[int]) -> Dict[str, Any]:
    console = _console(request)
    now = console.clock()
    channel, person = labels.channel(ticket.channel), labels.pseudonym(ticket.conversation_id)
    return {
        "id": ticket.id, "position": position, "priority": labels.PRIORITY[ticket.priority],
        "priority_level": ticket.priority, "waiting_minutes": labels.minutes_since(ticket.created_at, now),
        "created": labels.local_time(console.timezone, ticket.created_at),
        # Channel and pseudonym last: the list of "mine" reads the concern at index 1.
        "summary": labels.summary_lines(ticket.summary) + [("Kanaal", channel), ("Persoon", person)],
        "channel": ticket.channel or "", "channel_label": channel, "person": person,
        "claimed_by": ticket.claimed_by,
    }


def _queue_state(request: Request) -> Dict[str, Any]:
    console, session = _console(request), request.ctx.session
    waiting = console.queue.waiting()
    now = console.clock()
    return {
        "waiting": [_queue_row(request, t, i) for i, t in enumerate(waiting, start=1)],
        "mine": [_queue_row(request, t, None)
                 for t in console.queue.claimed_by(session.counsellor.username)],
        "chat_open": console.schedule.is_open(now),
        "now": labels.local_time(console.timezone, now),
    }


@login_required()
async def queue_page(request: Request) -> HTTPResponse:
    return render(request, "queue.html", state=_queue_state(request),
                  notice=request.args.get("notice"))


@login_required()
async def queue_api(request: Request) -> HTTPResponse:
    return response.json(_queue_state(request))


@login_required()
async def claim(request: Request, ticket_id: int) -> HTTPResponse:
    console, counsellor = _console(request), request.ctx.session.counsellor
    _ticket_or_404(request, ticket_id)
    # The audit entry is written the moment the claim is decided, whatever Rasa does after.
    if not await console.service.claim(
            ticket_id, counsellor.username, counsellor.display_name,
            on_claimed=lambda: console.audit.record(counsellor.username, store.CLAIM, ticket_id)):
        return response.redirect("/?notice=taken", status=303)
    return response.redirect(f"/chat/{ticket_id}", status=303)


# --- live chat -------------------------------------------------------------------------------
def _may_read_live(session: Session, ticket: Ticket) -> bool:
    return ticket.claimed_by == session.counsellor.username or session.counsellor.is_team_lead


@login_required()
async def chat_page(request: Request, ticket_id: int) -> HTTPResponse:
    console, session = _console(request), request.ctx.session
    ticket = _ticket_or_404(request, ticket_id)
    if ticket.status != CLAIMED:
        return response.redirect(f"/review/{ticket_id}" if ticket.status == CLOSED else "/",
                                 status=303)
    if not _may_read_live(session, ticket):
        return error_page(request, 403, "Dit gesprek is opgepakt door een collega.")
    console.audit.record(session.counsellor.username, store.OPEN_CHAT, ticket_id)
    entries = read_transcript(console.queue.engine, ticket.conversation_id)
    return render(request, "chat.html", ticket=ticket, entries=entries,
                  summary=labels.summary_lines(ticket.summary), window=_reply_window(request, ticket),
                  can_reply=ticket.claimed_by == session.counsellor.username,
                  reply_id=secrets.token_hex(16),
                  last_id=entries[-1].event_id if entries else 0)


@login_required()
async def transcript_api(request: Request, ticket_id: int) -> HTTPResponse:
    console, session = _console(request), request.ctx.session
    ticket = _ticket_or_404(request, ticket_id)
    # Live chats only (and the owner's own chat just after it ended): past ones are read on
    # the review page, which logs the reading.
    live = ticket.status == CLAIMED or ticket.claimed_by == session.counsellor.username
    if not (live and _may_read_live(session, ticket)):
        return response.json({"error": "Dit gesprek is niet van jou."}, status=403)
    try:
        after = max(0, int(request.args.get("after", "0")))
    except ValueError:
        after = -1
    if not 0 <= after <= MAX_EVENT_ID:
        return response.json({"error": f"after moet een getal van 0 tot {MAX_EVENT_ID} zijn"},
                             status=400)
    if after == 0:  # a whole transcript: a reading like opening the chat page
        console.audit.record(session.counsellor.username, store.OPEN_CHAT, ticket_id)
    entries = read_transcript(console.queue.engine, ticket.conversation_id, after_id=after)
    return response.json({
        "status": ticket.status, "window": _reply_window(request, ticket),
        "entries": [dict(e.as_json(), time=labels.local_time(console.timezone, e.at))
                    for e in entries]})


def _reply_window(request: Request, ticket: Ticket) -> Optional[Dict[str, Any]]:
    """WhatsApp's 24-hour window for free replies (None on other channels)."""
    console = _console(request)
    if ticket.channel not in window.REPLY_WINDOWS:
        return None
    last = last_person_message_at(console.queue.engine, ticket.conversation_id)
    return labels.reply_window(console.timezone, window.closes_at(ticket.channel, last),
                               console.clock())


def _wants_json(request: Request) -> bool:
    return "application/json" in (request.headers.get("accept") or "")


@login_required()
async def reply(request: Request, ticket_id: int) -> HTTPResponse:
    console, counsellor = _console(request), request.ctx.session.counsellor
    ticket = _ticket_or_404(request, ticket_id)
    form = request.form or {}
    text = (form.get("text") or "").strip()
    if not text or len(text) > MAX_REPLY_CHARS:
        return error_page(request, 400, f"Een bericht is 1 tot {MAX_REPLY_CHARS} tekens.")
    reply_id = form.get("reply_id") or None
    if reply_id is not None and not REPLY_ID.fullmatch(reply_id):
        return error_page(request, 400, "Dit formulier klopt niet. Laad de pagina opnieuw.")
    reply_window = _reply_window(request, ticket)
    if reply_window is not None and not reply_window["open"]:
        return error_page(request, 409, reply_window["text"])
    try:
        await console.service.reply(ticket_id, counsellor.username, counsellor.display_name, text,
                                    reply_id)
    except NotYours:
        return error_page(request, 409, "Dit gesprek is niet (meer) van jou.")
    except RasaUnavailable:
        return error_page(request, 503, "Je bericht is niet verstuurd: de chat is nu niet "
                                        "bereikbaar. Je tekst staat er nog; probeer het opnieuw.")
    if _wants_json(request):
        return response.json({"sent": True})
    return response.redirect(f"/chat/{ticket_id}", status=303)


@login_required()
async def end_chat(request: Request, ticket_id: int) -> HTTPResponse:
    console, counsellor = _console(request), request.ctx.session.counsellor
    _ticket_or_404(request, ticket_id)
    try:
        await console.service.end(ticket_id, counsellor.username)
    except NotYours:
        return error_page(request, 409, "Dit gesprek is niet (meer) van jou.")
    except RasaUnavailable:
        return error_page(request, 503, "Het gesprek is nog niet afgesloten: de chat is nu niet "
                                        "bereikbaar. Probeer het zo opnieuw.")
    console.audit.record(counsellor.username, store.END, ticket_id)
    return response.redirect("/?notice=ended", status=303)


# --- review ----------------------------------------------------------------------------------
def _parse_day(value: Optional[str]) -> Optional[date]:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def review_filters(request: Request) -> Dict[str, Any]:
    args = request.args
    status = args.get("status") or "all"
    return {
        "from": _parse_day(args.get("from")), "to": _parse_day(args.get("to")),
        "concern": args.get("concern") or "", "counsellor": args.get("counsellor") or "",
        "status": status if status in ("all", "open", "reviewed") else "all",
    }


def filter_tickets(request: Request, filters: Dict[str, Any]) -> List[Ticket]:
    console = _console(request)
    zone = console.timezone
    since = (datetime.combine(filters["from"], time.min, tzinfo=zone)
             if filters["from"] else None)
    until = (datetime.combine(filters["to"] + timedelta(days=1), time.min, tzinfo=zone)
             if filters["to"] else None)
    tickets = console.queue.closed(since, until)
    if filters["concern"]:
        tickets = [t for t in tickets if t.summary.get("concern_type") == filters["concern"]]
    if filters["counsellor"]:
        wanted = None if filters["counsellor"] == "-" else filters["counsellor"]
        tickets = [t for t in tickets if t.claimed_by == wanted]
    if filters["status"] != "all":
        reviewed = console.reviews.for_tickets(t.id for t in tickets)
        keep = filters["status"] == "reviewed"
        tickets = [t for t in tickets if (t.id in reviewed) == keep]
    return tickets


def _page_link(filters: Dict[str, Any], page: int) -> str:
    values = {key: value for key, value in filters.items() if value and value != "all"}
    return "/review?" + urlencode({**{k: str(v) for k, v in values.items()}, "page": page})


@login_required()
async def review_list(request: Request) -> HTTPResponse:
    console = _console(request)
    filters = review_filters(request)
    tickets = filter_tickets(request, filters)
    pages = max(1, -(-len(tickets) // REVIEW_PAGE_SIZE))
    try:
        page = min(max(1, int(request.args.get("page") or 1)), pages)
    except ValueError:
        page = 1
    shown = tickets[(page - 1) * REVIEW_PAGE_SIZE:page * REVIEW_PAGE_SIZE]
    return render(request, "review_list.html", tickets=shown, total=len(tickets),
                  filters=filters, page=page, pages=pages,
                  previous=_page_link(filters, page - 1) if page > 1 else None,
                  next=_page_link(filters, page + 1) if page < pages else None,
                  reviews=console.reviews.for_tickets(t.id for t in shown),
                  counsellors=console.accounts.all())


def _closed_ticket(request: Request, ticket_id: int) -> Ticket:
    ticket = _ticket_or_404(request, ticket_id)
    if ticket.status != CLOSED:
        raise NotFound("not closed yet")
    return ticket


def _transcript_context(request: Request, ticket: Ticket) -> Dict[str, Any]:
    console = _console(request)
    return {"ticket": ticket, "summary": labels.summary_lines(ticket.summary),
            "entries": read_transcript(console.queue.engine, ticket.conversation_id),
            "review": console.reviews.for_tickets([ticket.id]).get(ticket.id)}


@login_required()
async def review_page(request: Request, ticket_id: int) -> HTTPResponse:
    console, session = _console(request), request.ctx.session
    ticket = _closed_ticket(request, ticket_id)
    console.audit.record(session.counsellor.username, store.OPEN_TRANSCRIPT, ticket_id)
    return render(request, "transcript.html", saved=request.args.get("saved") == "1",
                  **_transcript_context(request, ticket))


@login_required()
async def mark_reviewed(request: Request, ticket_id: int) -> HTTPResponse:
    console, session = _console(request), request.ctx.session
    _closed_ticket(request, ticket_id)
    note = ((request.form or {}).get("note") or "").strip()
    if len(note) > MAX_NOTE_CHARS:
        return error_page(request, 400, f"Een notitie is hoogstens {MAX_NOTE_CHARS} tekens.")
    console.reviews.mark(ticket_id, session.counsellor.username, note)
    console.audit.record(session.counsellor.username, store.REVIEW, ticket_id)
    return response.redirect(f"/review/{ticket_id}?saved=1", status=303)


@login_required()
async def print_page(request: Request, ticket_id: int) -> HTTPResponse:
    console, session = _console(request), request.ctx.session
    ticket = _closed_ticket(request, ticket_id)
    console.audit.record(session.counsellor.username, store.EXPORT_TRANSCRIPT, ticket_id)
    return render(request, "print.html", printed_by=session.counsellor,
                  printed_at=console.clock(), **_transcript_context(request, ticket))


@login_required(team_lead=True)
async def audit_page(request: Request) -> HTTPResponse:
    console = _console(request)
    actor = request.args.get("actor") or None
    try:
        ticket_id: Optional[int] = int(request.args.get("ticket") or "")
    except ValueError:
        ticket_id = None  # no filter, or not a number
    if ticket_id is not None and not 0 < ticket_id <= MAX_TICKET_ID:
        ticket_id = 0  # names no ticket: an empty list, not a database error
    return render(request, "audit.html", entries=console.audit.entries(actor, ticket_id),
                  actor=actor or "", ticket_id=ticket_id)
