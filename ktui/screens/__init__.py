"""Screens: one per workflow. `MainScreen` (overview of every pane),
`BreakpointsScreen`, `HelpScreen` and the `GotoDialog`."""
