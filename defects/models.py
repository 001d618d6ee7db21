"""Models of the Mängelmelder (DESIGN.md §5, defects)."""
