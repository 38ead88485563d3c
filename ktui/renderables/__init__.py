"""Pure functions from frozen views to Rich renderables; no App needed."""
