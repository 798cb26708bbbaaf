"""Files of the checkout the tests read: the sample roster and balai coordinates."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data"
SAMPLE_ROSTER = DATA / "sample_roster.csv"
SAMPLE_BALAI = DATA / "sample_balai.csv"
