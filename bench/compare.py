#!/usr/bin/env python3
"""Superseded by bench/speed.py (same targets and more scenarios); kept so old commands work:
scripts/bench.sh compare.py --rounds 10   ==   scripts/bench.sh speed.py --rounds 10
"""

import runpy
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
runpy.run_path(str(Path(__file__).resolve().parent / "speed.py"), run_name="__main__")
