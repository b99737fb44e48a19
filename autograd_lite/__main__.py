"""``python -m autograd_lite``: the command line (see :mod:`autograd_lite.cli`)."""

import signal
import sys

if __name__ == "__main__":
    try:
        from .cli import main

        status = main()
    except KeyboardInterrupt:  # Ctrl-C outside main()'s own handler (loading, or just after)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        print("interrupted", file=sys.stderr)
        status = 130
    # Done: a Ctrl-C from here on cannot stop anything, so it does not kill the exit.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    sys.exit(status)
