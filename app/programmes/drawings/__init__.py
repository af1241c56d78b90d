"""Prize drawings that anyone with the export can recompute."""
