"""``python -m autograd_lite``: the command line (see :mod:`autograd_lite.cli`)."""

import sys

if __name__ == "__main__":
    try:
        from .cli import main
    except KeyboardInterrupt:  # Ctrl-C while the command line is still loading
        sys.exit(130)
    sys.exit(main())
