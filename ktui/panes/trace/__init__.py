"""Trace panes (kernel/trace/): the event log."""
