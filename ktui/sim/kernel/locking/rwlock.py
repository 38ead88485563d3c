"""rwlock_t: kernel/locking/spinlock.c's rwlock half over qrwlock (to be written)."""
