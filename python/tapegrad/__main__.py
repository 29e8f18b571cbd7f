"""``python -m tapegrad``: runs the demo (same as ``python -m tapegrad.demo``)."""

import sys

from .demo import main

sys.exit(main())
