"""The machine side, as QEMU's hw/: CPUs executing task programs."""
