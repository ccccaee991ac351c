"""Alpha Support Bot: gateway, runtime, configuration and custom Rasa components."""

__version__ = "0.1.0"
