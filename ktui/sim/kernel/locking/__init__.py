"""Locking: mirrors kernel/locking/."""
