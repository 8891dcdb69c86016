"""Mitigations applied: each module turns one kind of finding into file edits, as pure
functions from text to text, so a dry run and `--apply` show and write the same thing."""
