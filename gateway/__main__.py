"""``python -m gateway`` runs the ``egw`` command line."""

import sys

from gateway.cli import main

sys.exit(main())
