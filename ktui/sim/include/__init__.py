"""Mirrors include/ of the kernel tree: shared struct definitions."""
