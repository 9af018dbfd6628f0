"""Models an operator brings: read a TOML config, load its code and weights safely, look inside."""
