"""Events with registration, waitlists and check-in by code or QR code."""
