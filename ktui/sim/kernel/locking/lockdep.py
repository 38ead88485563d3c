"""The lock validator: kernel/locking/lockdep.c (to be written)."""
