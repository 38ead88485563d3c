"""include/trace/events/: one module per TRACE_SYSTEM."""
