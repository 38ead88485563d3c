"""Time travel: checkpoints, replay and the timeline (as QEMU replay/)."""
