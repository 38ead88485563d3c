"""Timekeeping: mirrors kernel/time/."""
