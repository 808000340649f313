"""The console's own tables, beside `handoff_tickets` in the tracker store's database.

No message text is stored here: transcripts stay in Rasa's `events` table, the single record
of what was said. These tables hold who may log in, their sessions, reviews and the audit log.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

COUNSELLOR, TEAM_LEAD = "counsellor", "team_lead"
ROLES = (COUNSELLOR, TEAM_LEAD)

counsellors = sa.Table(
    "console_counsellors", metadata,
    sa.Column("username", sa.String(64), primary_key=True),
    sa.Column("display_name", sa.String(64), nullable=False),  # shown to the person in the chat
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("password_hash", sa.String(255), nullable=False),  # argon2id, salt included
    sa.Column("failed_logins", sa.Integer, nullable=False, default=0),
    sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
    sa.Column("active", sa.Boolean, nullable=False, default=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

# Failed logins per (user name, source): a lockout for one address never locks the
# counsellor out from another. Keys are hashes, so a password typed as a user name is not kept.
login_failures = sa.Table(
    "console_login_failures", metadata,
    sa.Column("key_hash", sa.String(64), primary_key=True),  # SHA-256 of name and source
    sa.Column("username_hash", sa.String(64), nullable=False, index=True),
    sa.Column("failures", sa.Integer, nullable=False),
    sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, index=True),
)

# Keys the consoles share through the database (so several console processes agree), such
# as the one that signs the login form's CSRF token.
keys = sa.Table(
    "console_keys", metadata,
    sa.Column("name", sa.String(32), primary_key=True),
    sa.Column("value", sa.String(128), nullable=False),
)

sessions = sa.Table(
    "console_sessions", metadata,
    # SHA-256 of the cookie value: a copy of the database does not give working sessions.
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("username", sa.String(64), nullable=False, index=True),
    sa.Column("csrf_token", sa.String(64), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
)

reviews = sa.Table(
    "handoff_reviews", metadata,
    sa.Column("ticket_id", sa.Integer, primary_key=True),  # handoff_tickets.id
    sa.Column("reviewed_by", sa.String(64), nullable=False),
    sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("note", sa.Text, nullable=False, default=""),
)

# Audit actions. Ticket ids, never message text.
OPEN_CHAT, OPEN_TRANSCRIPT, EXPORT_TRANSCRIPT = "open_chat", "open_transcript", "export_transcript"
CLAIM, END, REVIEW = "claim", "end", "review"
LOGIN, LOGIN_FAILED, LOCKED, LOGOUT = "login", "login_failed", "locked", "logout"

audit_log = sa.Table(
    "console_audit_log", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False, index=True),
    sa.Column("actor", sa.String(64), nullable=False),
    sa.Column("action", sa.String(32), nullable=False),
    sa.Column("ticket_id", sa.Integer, nullable=True, index=True),
    sqlite_autoincrement=True,
)
