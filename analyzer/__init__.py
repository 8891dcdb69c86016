"""conflictscan: predict where parallel work collides, and say what to do about it."""

__version__ = "0.2.0"
