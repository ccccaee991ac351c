"""Frustration and technical-complexity signals: lexicons, the detector, the conversation view."""
