"""Litmus mode: per-CPU store buffers and invalidate queues under the
kernel's ``READ_ONCE``/``WRITE_ONCE`` and ``smp_mb``/``smp_wmb``/``smp_rmb``
(see `ktui.sim.hw.litmus.store_buffer`)."""
