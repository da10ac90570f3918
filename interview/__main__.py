"""`python -m interview` is `interview-verify`."""

import sys

from interview.cli import main

sys.exit(main())
