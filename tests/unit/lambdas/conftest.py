"""Unit tests of the Lambda functions' pure parts: lambdas/ and lambdas/common/ are put on
sys.path as the deployment zip lays them out (function packages and dbaudit_alerts at the root)."""

from __future__ import annotations

import sys
from pathlib import Path

LAMBDAS = Path(__file__).resolve().parents[3] / "lambdas"
for path in (LAMBDAS, LAMBDAS / "common"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))
