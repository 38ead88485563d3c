"""Locking panes (kernel/locking/): lock holders and waiters."""
