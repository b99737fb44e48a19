"""``python -m autograd_lite``: the command line (see :mod:`autograd_lite.cli`)."""

import sys

if __name__ == "__main__":
    try:
        from .cli import main

        status = main()
    except KeyboardInterrupt:  # Ctrl-C outside main()'s own handler (loading, or just after)
        print("interrupted", file=sys.stderr)
        status = 130
    sys.exit(status)
