#!/usr/bin/env python3
"""Renders the app icons the web app manifest names (crates/ui/assets/icon-192.png and
icon-512.png) from the favicon's drawing, with Debian's chromium; run again if the mark changes.
The maskable variant keeps the mark inside the 80 % safe zone Android crops to."""
import pathlib
import subprocess
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
# The same mark as /favicon.ico (crates/ui/src/assets.rs), full bleed for home screens.
MARK = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32" width="{size}" height="{size}">'
    '<rect width="32" height="32" fill="#1a56b8"/>'
    '<path d="M8 21c3 3 13 3 16 0l-2-8-4 4-2-7-2 7-4-4z" fill="#fff" transform="{t}"/></svg>'
)


def render(size: int, out: str, maskable: bool) -> None:
    t = "translate(3.2 3.2) scale(0.8)" if maskable else ""
    with tempfile.TemporaryDirectory() as tmp:
        page = pathlib.Path(tmp, "icon.html")
        page.write_text(
            '<html><body style="margin:0">' + MARK.format(size=size, t=t) + "</body></html>"
        )
        subprocess.run(
            ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
             f"--window-size={size},{size}", f"--screenshot={ROOT / 'crates/ui/assets' / out}",
             page.as_uri()],
            check=True, capture_output=True,
        )


render(192, "icon-192.png", False)
render(512, "icon-512.png", True)
print("crates/ui/assets/icon-192.png, icon-512.png")
