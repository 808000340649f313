"""Telegram and WhatsApp (through Twilio): Rasa's own connectors, with what a helpline adds
at the door: pseudonyms instead of phone numbers, numbered choices, "stop", signed webhooks."""
