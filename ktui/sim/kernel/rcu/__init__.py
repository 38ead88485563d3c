"""kernel/rcu/: RCU and SRCU."""
