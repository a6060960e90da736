"""`python -m tui.cli`: the command line, as the tests run it."""

import sys

from tui.cli.commands import main

sys.exit(main())
