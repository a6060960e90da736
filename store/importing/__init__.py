"""Importing: one transaction per command, merge rules (never backwards), row writes, prefetch."""
