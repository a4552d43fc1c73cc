"""Measure the built-in question engine on the held-out sets (demo_holdout, logistics).

    python bench/engine_accuracy_holdout.py [--verbose] [--only TEXT] [--json PATH]

The same measurement as ``bench/engine_accuracy.py --set holdout``; see docs/accuracy.md.
"""

from __future__ import annotations

import sys

from engine_accuracy import main

if __name__ == "__main__":
    sys.exit(main(["--set", "holdout", *sys.argv[1:]]))
