"""Study health (issue #14): counts per state, the completion funnel, flagged runs and the
durations of one study. report.py makes it, text.py renders it; the app and the command line
reach both through store/__init__.py."""
