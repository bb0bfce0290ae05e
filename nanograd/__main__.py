"""`python -m nanograd` is the `nanograd` command."""
from .cli import main

raise SystemExit(main())
