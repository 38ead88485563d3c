"""percpu_counter: lib/percpu_counter.c (to be written)."""
