"""Small Streamlit apps the bench compares the app's pages against."""
