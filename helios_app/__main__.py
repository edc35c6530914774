import sys

from helios_app.cli import main

sys.exit(main())
