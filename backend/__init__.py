"""The central backend service. Not built yet: it arrives with the backend issue."""
