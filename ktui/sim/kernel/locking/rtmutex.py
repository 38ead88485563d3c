"""rt_mutex with priority inheritance: kernel/locking/rtmutex.c (to be written)."""
