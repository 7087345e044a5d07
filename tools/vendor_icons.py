#!/usr/bin/env python3
"""Builds crates/ui/assets/icons.svg, the sprite of the icons the UI uses, from the npm
package lucide-static (ISC licence), so the binary serves them and no CDN is needed.

    python3 tools/vendor_icons.py        # fetches the pinned version with `npm pack`

To add an icon: append its Lucide name to ICONS and run the script again."""
import pathlib
import re
import subprocess
import tarfile
import tempfile

VERSION = "1.87.0"
# Lucide name -> the id the templates use (`/static/icons.svg#<id>`).
ICONS = {
    "house": "home",
    "users-round": "spheres",
    "contact-round": "people",
    "message-circle": "messages",
    "bell": "notifications",
    "menu": "menu",
    "x": "close",
    "search": "search",
    "square-check-big": "tasks",
    "calendar-days": "agenda",
    "graduation-cap": "training",
    "trophy": "contests",
    "settings": "settings",
    "log-out": "logout",
    "shield-check": "admin",
    "chart-column": "analytics",
    "rocket": "rollout",
    "life-buoy": "help",
    "package-open": "starter",
    "list-checks": "checklist",
    "lightbulb": "suggestions",
    "sparkles": "usecases",
    "square-pen": "compose",
    "star": "champions",
    "flag": "moderation",
    "scroll-text": "audit",
    "webhook": "webhooks",
    "key-round": "sso",
    "folder-sync": "scim",
    "wifi-off": "offline",
}

ROOT = pathlib.Path(__file__).resolve().parent.parent


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["npm", "pack", f"lucide-static@{VERSION}", "--silent"], cwd=tmp, check=True)
        with tarfile.open(next(pathlib.Path(tmp).glob("lucide-static-*.tgz"))) as tgz:
            tgz.extractall(tmp, filter="data")
        pkg = pathlib.Path(tmp, "package")
        symbols = []
        for name, ident in ICONS.items():
            svg = (pkg / "icons" / f"{name}.svg").read_text()
            inner = re.search(r"<svg[^>]*>(.*)</svg>", svg, re.S).group(1)
            inner = " ".join(line.strip() for line in inner.strip().splitlines())
            symbols.append(f'<symbol id="{ident}" viewBox="0 0 24 24">{inner}</symbol>')
        licence = (pkg / "LICENSE").read_text().split("---")[0].strip()
    out = ROOT / "crates/ui/assets/icons.svg"
    out.write_text(
        f"<!-- Icons from lucide-static {VERSION} (https://lucide.dev), built by tools/vendor_icons.py.\n"
        f"{licence}\n-->\n"
        '<svg xmlns="http://www.w3.org/2000/svg" fill="none" stroke="currentColor" stroke-width="2" '
        'stroke-linecap="round" stroke-linejoin="round">\n' + "\n".join(symbols) + "\n</svg>\n"
    )
    print(f"{out.relative_to(ROOT)}: {len(symbols)} icons")


if __name__ == "__main__":
    main()
