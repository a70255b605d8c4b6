import sys

from reclaim.cli import main

sys.exit(main())
