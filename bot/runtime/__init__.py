"""Process supervision and model training for `supportbot run`."""
