"""kernel/irq/: interrupt descriptors and handlers."""
