"""How the browser tests and bench/html_scale.py start Debian's headless Chromium (scripts/chromium.sh installs it).

Import it with ``scripts/`` on ``sys.path`` (tests/integration/conftest.py, bench/html_scale.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["CHROMIUM", "ARGS", "LOCAL", "launch"]

CHROMIUM = Path("/usr/bin/chromium")
#: Headless, no sandbox (containers), nothing fetched in the background.
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
#: What a page may load without the network.
LOCAL = ("file:", "data:", "blob:", "about:")


def launch(playwright: Any, profile: Path, executable: Path | str = CHROMIUM, **options: Any) -> Any:
    """A headless Chromium context with its own profile directory (playwright's BrowserContext)."""
    return playwright.chromium.launch_persistent_context(
        str(profile), executable_path=str(executable), headless=True, args=ARGS, **options
    )
