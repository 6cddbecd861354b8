import sys

from dongwu_tui.cli.main import main

sys.exit(main())
