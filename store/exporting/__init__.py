"""Exporting: every export kind, its checks (say what it holds or refuse), snapshots, safe output."""
