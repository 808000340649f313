"""Custom Rasa NLU components: thin adapters around the logic in bot/."""
