"""Serving the app beyond one process: health check and nginx configuration."""
