"""Long groups of task names, shortened for a person: the first few, then how many more.

A finding on a file that 500 tasks write names all 500 in its message; JSON and SARIF keep
every name (programs read them), the text and markdown reports show the first SHOWN of a
group of LONG or more and say how many they leave out.
"""

from __future__ import annotations

from collections.abc import Sequence

LONG = 13  # a group this large is shortened
SHOWN = 8  # names shown of a shortened group


def joined(names: Sequence[str]) -> str:
    """'a', 'b' and 'c': the form messages name workstreams in (engine.join_names)."""
    quoted = [f"'{n}'" for n in names]
    if len(quoted) <= 2:
        return " and ".join(quoted)
    return ", ".join(quoted[:-1]) + " and " + quoted[-1]


def few(items: Sequence[str], separator: str = ", ") -> str:
    """The items joined, or the first SHOWN of them and "and N more" for a long group."""
    if len(items) < LONG:
        return separator.join(items)
    return f"{separator.join(items[:SHOWN])} and {len(items) - SHOWN} more"


def shortened(message: str, names: Sequence[str]) -> str:
    """The message with its list of these names cut to the first SHOWN, when it names a long
    group in the usual form; any other message as it is."""
    if len(names) < LONG:
        return message
    full = joined(names)
    if full not in message:
        return message
    return message.replace(full, few([f"'{n}'" for n in names]), 1)
