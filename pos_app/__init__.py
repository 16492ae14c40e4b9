"""The store app's core: domain, local store, configuration. No Qt, no network, no devices."""

# The one place of the version: pyproject.toml reads it ([tool.setuptools.dynamic]), every
# command's --version prints it (pos_app.programs).
__version__ = "0.1.0"
