"""What every page uses: the address and shared state, theme, chrome, glossary, pages."""
