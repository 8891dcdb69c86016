"""`python -m conflictscan`: the distribution's name as a module. The code lives in `analyzer`."""

from analyzer import __version__

__all__ = ["__version__"]
