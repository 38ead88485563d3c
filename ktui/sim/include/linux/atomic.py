"""atomic_t: include/linux/atomic.h (to be written)."""
