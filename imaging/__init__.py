"""Feature maps to pictures, shared by the charts and the command line: scaling, colour maps,
tiling, overlays (maps.py) and PNG/JPEG bytes (encode.py). Depends on numpy and Pillow only."""
