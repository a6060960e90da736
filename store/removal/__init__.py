"""Deleting, the trash (undo), and erasing for good."""
