"""What belongs to the server process rather than to a page: its set-up, memory trimming, the
queue of training runs and the store of measurements. No Streamlit widgets live here."""
