"""Measure the built-in question engine on the blind set (saas).

    python bench/engine_accuracy_blind.py [--verbose] [--only TEXT] [--json PATH]

The same measurement as ``bench/engine_accuracy.py --set blind``; see docs/accuracy.md.
"""

from __future__ import annotations

import sys

from engine_accuracy import main

if __name__ == "__main__":
    sys.exit(main(["--set", "blind", *sys.argv[1:]]))
