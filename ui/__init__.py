"""The pages' views: one wing per page family (cnn, text, compare, digits, tour), the cached
results they share (cache), and what every page uses (common). Wings never import each other."""
