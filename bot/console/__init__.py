"""The counsellor console: queue, live chat, review and audit log, in the browser."""
