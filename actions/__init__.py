"""Custom Rasa actions, split by topic; served by `rasa_sdk` on loopback."""
