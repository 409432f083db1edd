"""The package version, kept in one place for the build backend and the code."""

__version__ = "0.1.0"

#: The release that drops the legacy two-value constructor. The deprecation
#: message names it, and a test fails once ``__version__`` reaches it.
LEGACY_REMOVAL_VERSION = "1.0.0"
