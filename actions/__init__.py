"""Thin Rasa SDK actions; the decisions live in bot/."""
