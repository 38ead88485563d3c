"""Tracepoint definitions shared by several modules: mirrors include/trace/."""
