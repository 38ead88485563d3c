"""`python -m ktui`: the same as the `ktui` console script."""

from ktui.cli import main

raise SystemExit(main())
