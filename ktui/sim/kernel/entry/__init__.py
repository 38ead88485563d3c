"""kernel/entry/: system call entry and exit."""
