"""The operator's own models: the folder named by MODELS_DIR, loaded, checked and captured once
per process, before a page uses them.

Loading a model runs its code, so only the server's operator names the folder (an environment
variable, or `make run MODELS=...`); a browser never sends code or weights. Capturing a CNN's
insides (torch.export) and a recurrent model's (torch.fx) changes process-wide state while it
runs, so the folder is loaded once, under a lock, and every session then shares what was found.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from models.cnn.registry import CNN_MODELS
from models.custom.folder import ModelsFolder, load_models_dir
from models.digits.registry import DIGIT_READERS
from models.sequence.registry import SEQUENCE_MODELS

MODELS_DIR_VARIABLE = "MODELS_DIR"
SHIPPED_NAMES = frozenset(CNN_MODELS) | frozenset(SEQUENCE_MODELS) | frozenset(DIGIT_READERS)

_lock = threading.Lock()
_loaded: dict[str, ModelsFolder] = {}  # the folder's path -> what was found in it


def models_dir() -> Path | None:
    """The folder the operator named, or None when the app shows only its own models."""
    value = os.environ.get(MODELS_DIR_VARIABLE, "").strip()
    return Path(value).expanduser().resolve() if value else None


def own_models() -> ModelsFolder:
    """The operator's models, loaded the first time any session asks; never raises."""
    folder = models_dir()
    if folder is None:
        return ModelsFolder((), ())
    with _lock:
        if str(folder) not in _loaded:
            _loaded[str(folder)] = load_models_dir(folder, reserved=SHIPPED_NAMES)
        return _loaded[str(folder)]
