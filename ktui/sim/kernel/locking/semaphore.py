"""Counting semaphores: kernel/locking/semaphore.c (to be written)."""
