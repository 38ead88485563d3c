"""Scheduler: mirrors kernel/sched/."""
