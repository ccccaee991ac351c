"""The gateway: channels in, handoff gate, Rasa out."""
