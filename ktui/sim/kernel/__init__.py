"""Kernel-side models: mirrors the kernel/ tree."""
