"""Ops: service status and maintenance."""
