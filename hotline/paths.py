"""Where the platform keeps its files; shared by the settings and the CLI (which needs it before
Django's settings may be read)."""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("HOTLINE_VAR", BASE_DIR / "var"))
