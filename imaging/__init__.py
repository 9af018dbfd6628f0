"""Every picture the app makes, shared by the charts, the views and the command line: scaling,
colour maps, tiling, overlays (maps.py), tiles of maps and weights (tiles.py), marks on a photo
(marks.py), grey digits (grey.py) and PNG/JPEG bytes (encode.py). Depends on numpy and Pillow
only."""
