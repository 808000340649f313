"""WhatsApp's customer-service window: a business may send free messages only within 24 hours
of the person's last message (after that only pre-approved templates, which a helpline chat
does not use). The console shows when it closes and refuses replies after."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Optional

REPLY_WINDOWS = {"whatsapp": timedelta(hours=24)}


def closes_at(channel: Optional[str], last_person_message: Optional[datetime]) -> Optional[datetime]:
    """When free replies stop reaching the person; None on channels without such a window."""
    window = REPLY_WINDOWS.get(channel or "")
    if window is None or last_person_message is None:
        return None
    return last_person_message + window
