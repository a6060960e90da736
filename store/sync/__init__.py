"""Talking to a JATOS server: the API client and pull."""
