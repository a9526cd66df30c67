"""``python -m tap_tools.cli``: the same as the ``tap`` console script."""

import sys

from tap_tools.cli import main

sys.exit(main())
