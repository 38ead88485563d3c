"""lib/: library code of the kernel tree."""
