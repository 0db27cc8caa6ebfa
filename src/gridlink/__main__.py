import sys

from gridlink.cli import main

sys.exit(main())
