"""The human side of a handoff: a durable queue of people waiting for a counsellor."""
