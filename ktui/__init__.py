"""ktui: a terminal visual debugger for the Linux kernel, over a simulator.

`ktui.sim` is the model (no UI imports); `ktui.app` and `ktui.screens` are the
Textual front end; `ktui.cli` is the `ktui` command.
"""

__version__ = "0.1.0"
