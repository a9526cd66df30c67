"""``python -m tap_aws.cli``: the same as the ``tap`` console script."""

import sys

from tap_aws.cli import main

sys.exit(main())
