"""Where the files shipped with the code live: templates, migrations, data and static files.

In a checkout they sit at the top of the tree; an installed wheel carries them beside the
packages in site-packages, so the same relative layout holds in both.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"
MIGRATIONS = ROOT / "migrations"
DATA = ROOT / "data"
STATIC = ROOT / "web" / "static"
