"""The simulator's own framework (no kernel counterpart): subsystem descriptors."""
