"""conflictscan: predict where parallel work collides, and say what to do about it."""

__version__ = "0.2.0"
PROJECT_URL = "https://github.com/conflictscan/conflictscan"  # rule docs, SARIF informationUri
