"""Streamlit-side glue: cached model loaders and per-input results shared by the pages."""
