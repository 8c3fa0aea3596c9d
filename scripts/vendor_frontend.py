"""Copy the GOV.UK Frontend build from node_modules into the Django static files.

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
    return 0


if __name__ == "__main__":
    sys.exit(main())
