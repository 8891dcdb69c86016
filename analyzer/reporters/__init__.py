"""Reporters render findings; they never decide anything."""

from __future__ import annotations

from urllib.parse import quote


def valid_unicode(text: str) -> str:
    """Text a UTF-8 file can hold. A non-UTF-8 file name reaches us with lone surrogates
    (surrogateescape); its undecodable bytes become U+FFFD instead of a crash at write time."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        pass
    try:
        data = text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a surrogate that no file name made (from a \\ud800 in JSON)
        data = text.encode("utf-8", "surrogatepass")
    return data.decode("utf-8", "replace")


def path_uri(path: str) -> str:
    """A repository path as a relative URI reference: percent-encoded bytes, the file name's
    own bytes when it is not UTF-8, so code scanning finds the very file."""
    try:
        data = path.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        data = path.encode("utf-8", "surrogatepass")
    return quote(data, safe="/")
