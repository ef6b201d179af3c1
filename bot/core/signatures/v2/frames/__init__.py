"""Per-language stack frame readers for signature version 2.

``read_frames`` runs every language's reader over the (bounded) trace and keeps the
frames of the language that found the most; ties go to the order of ``_READERS``. A trace
mixes languages only by accident (a Python test driving a Node server quoting its stack),
and the language of the failure is the one that printed most of it.

Every reader works line by line with anchored patterns (possessive quantifiers wherever a
pattern could backtrack), on at most ``MAX_INPUT`` characters cut into lines of at most
``MAX_LINE``: a hostile trace costs no more than a long ordinary one.

An in-repo frame whose path is still absolute (a root no table knows) is keyed by its
repo-relative suffix (``model.repo_relative``), whatever the language.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from bot.core.signatures.v2.frames import dotnet, go, java, js, python, ruby
from bot.core.signatures.v2.frames.model import (
    MAX_INPUT,
    Frame,
    bounded_lines,
    frame_key,
    repo_relative,
)

__all__ = ["MAX_INPUT", "Frame", "frame_key", "read_frames"]

_READERS: tuple[Callable[[list[str]], list[Frame]], ...] = (
    python.read,
    java.read,
    dotnet.read,
    go.read,
    ruby.read,
    js.read,
)


def read_frames(trace: str | None) -> tuple[Frame, ...]:
    """Every frame found in the trace, innermost (where raised) first.

    Reads at most ``MAX_INPUT`` characters; pure, never raises.
    """
    try:
        lines = bounded_lines(trace)
        best: list[Frame] = []
        for reader in _READERS:
            frames = reader(lines)
            if len(frames) > len(best):
                best = frames
        return tuple(
            replace(frame, file=repo_relative(frame.file)) if frame.in_repo else frame
            for frame in best
        )
    except Exception:  # a reader bug must never fail the processing of a report
        return ()
