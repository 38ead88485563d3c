"""Lockup detectors: kernel/watchdog.c, kernel/watchdog_perf.c and kernel/hung_task.c."""
