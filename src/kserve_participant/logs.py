"""Logging setup: key=value or JSON lines, context fields, secret redaction."""
