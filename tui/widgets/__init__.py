"""Widgets that own their state: the results table, the filter bar, cell display helpers."""
