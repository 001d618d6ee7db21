"""Models of the service center (DESIGN.md §5, servicecenter)."""
