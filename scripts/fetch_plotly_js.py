"""Write assets/plotly/: plotly.js's cartesian bundle, for the version the plotly package targets.

Usage: python scripts/fetch_plotly_js.py

The plotly package ships plotly.js whole (4.8 MB, every trace type: maps, 3-D, WebGL). The app
draws only bars, lines and heatmaps, so it serves plotly.js's own cartesian bundle instead
(`plotly.js-cartesian-dist-min` on npm, 1.5 MB): a browser runs the whole file on every page
load, 0.7-0.9 s less of chromium's time here per page with a chart (docs/bench-history.md).
The tarball is checked against the integrity hash npm's registry publishes for it; its licence
is kept beside it. Run again after a new plotly package (its test names the version it wants).
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import sys
import tarfile
import urllib.request
from pathlib import Path

from plotly.offline import get_plotlyjs_version

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from serving.static_files import BUNDLE_FOLDER, PLOTLY_SOURCE  # noqa: E402

PACKAGE = "plotly.js-cartesian-dist-min"
REGISTRY = "https://registry.npmjs.org"


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=60) as answer:
        return answer.read()


def main() -> None:
    version = get_plotlyjs_version()
    meta = json.loads(fetch(f"{REGISTRY}/{PACKAGE}/{version}"))
    algorithm, expected = meta["dist"]["integrity"].split("-", 1)
    tarball = fetch(meta["dist"]["tarball"])
    digest = base64.b64encode(hashlib.new(algorithm, tarball).digest()).decode()
    if digest != expected:
        sys.exit(f"error: {PACKAGE} {version}: the tarball does not match npm's {algorithm}")
    with tarfile.open(fileobj=io.BytesIO(tarball)) as archive:
        script = archive.extractfile("package/plotly-cartesian.min.js").read()
        licence = archive.extractfile("package/LICENSE").read()
    if f"v{version}\n".encode() not in script[:200]:
        sys.exit(f"error: {PACKAGE} {version}: the script's header names another version")
    BUNDLE_FOLDER.mkdir(parents=True, exist_ok=True)
    for stale in BUNDLE_FOLDER.glob("plotly-cartesian-*.min.js"):
        stale.unlink()
    PLOTLY_SOURCE.write_bytes(script)
    (BUNDLE_FOLDER / "LICENSE").write_bytes(licence)
    print(f"wrote {PLOTLY_SOURCE.relative_to(ROOT)} ({len(script):,} bytes)")


if __name__ == "__main__":
    main()
