"""Exit 0 if a Streamlit server answers its health endpoint, 1 otherwise (the Dockerfile's check).

    python deploy/healthcheck.py [URL]

Without URL: http://127.0.0.1:$STREAMLIT_SERVER_PORT/_stcore/health (port 8501 by default), the
same variable Streamlit itself reads. Standard library only, so the image needs no curl.
"""

from __future__ import annotations

import os
import sys
import urllib.request


def healthy(url: str, timeout: float = 4.0) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status == 200
    except OSError:  # refused, timed out, or an HTTP error status
        return False


def main(argv: list[str]) -> int:
    port = os.environ.get("STREAMLIT_SERVER_PORT", "8501")
    url = argv[0] if argv else f"http://127.0.0.1:{port}/_stcore/health"
    return 0 if healthy(url) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
