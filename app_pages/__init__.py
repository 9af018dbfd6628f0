"""The app's pages, one script each, run by st.navigation (app.py); a package only so that the
import contracts in pyproject.toml can check them."""
