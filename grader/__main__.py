"""``python -m grader ...``: the same command line as the ``grader`` script."""

import sys

from grader.cli import main

sys.exit(main())
