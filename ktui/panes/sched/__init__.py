"""Scheduler panes (kernel/sched/): run queues, timeline, task detail."""
