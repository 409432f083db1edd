"""``python -m chartmogul_compat``: the same as the ``chartmogul-compat`` command."""

import sys

from ._cli import main

sys.exit(main())
