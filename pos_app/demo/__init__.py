"""See README and docs/architecture.md."""
