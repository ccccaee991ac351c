"""The knowledge base: FAQ entries in files, a search index, and live reloading."""
