"""Copy the GOV.UK Frontend build (and axe-core, for the accessibility tests) from
node_modules into the Django static files.

The GDS Transport typeface may only be used on GOV.UK services, so its
@font-face rules are removed and the family replaced by the fallback the
Design System itself names (Arial, sans-serif). Asset URLs are rewritten to
where Django serves them.
"""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "node_modules" / "govuk-frontend" / "dist" / "govuk"
DEST = ROOT / "src" / "netsafe" / "web" / "static" / "vendor" / "govuk"
#: axe-core runs in the browser tests only (tests/web/crawl.py); no page links to it.
AXE_SRC = ROOT / "node_modules" / "axe-core"
AXE_DEST = DEST.parent / "axe"


def main() -> int:
    if not SRC.is_dir():
        print(f"govuk-frontend is not installed at {SRC}; run `npm ci` first", file=sys.stderr)
        return 1
    if DEST.exists():
        shutil.rmtree(DEST)
    (DEST / "assets").mkdir(parents=True)
    css = (SRC / "govuk-frontend.min.css").read_text(encoding="utf-8")
    css = re.sub(r"@font-face\{[^}]*\}", "", css)
    css = css.replace("GDS Transport,", "").replace('"GDS Transport",', "")
    css = css.replace("/assets/", "/static/vendor/govuk/assets/")
    css = re.sub(r"/\*# sourceMappingURL=.*?\*/", "", css)
    (DEST / "govuk-frontend.min.css").write_text(css, encoding="utf-8")
    js = (SRC / "govuk-frontend.min.js").read_text(encoding="utf-8")
    js = re.sub(r"//# sourceMappingURL=.*", "", js)
    (DEST / "govuk-frontend.min.js").write_text(js, encoding="utf-8")
    shutil.copytree(SRC / "assets" / "images", DEST / "assets" / "images")
    print(f"GOV.UK Frontend copied to {DEST.relative_to(ROOT)}")
    if not (AXE_SRC / "axe.min.js").is_file():
        print(f"axe-core is not installed at {AXE_SRC}; run `npm ci` first", file=sys.stderr)
        return 1
    AXE_DEST.mkdir(parents=True, exist_ok=True)
    for name in ("axe.min.js", "LICENSE"):
        shutil.copy2(AXE_SRC / name, AXE_DEST / name)
    print(f"axe-core copied to {AXE_DEST.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
