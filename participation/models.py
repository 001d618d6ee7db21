"""Models of the participation engine (DESIGN.md §5, participation)."""
