"""seqlock_t and seqcount_t: include/linux/seqlock.h (to be written)."""
