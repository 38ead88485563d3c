"""Read-write semaphores: kernel/locking/rwsem.c (to be written)."""
