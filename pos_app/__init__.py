"""The store app's core: domain, local store, configuration. No Qt, no network, no devices."""
