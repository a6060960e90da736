"""The files root: uploaded result files, staging, the journal that finishes file work after a crash."""
