"""Domain errors: driver and file errors become one of these at the boundary."""

from __future__ import annotations


class JichitaiError(Exception):
    """Base class; its message is written for the person who has to act on it."""


class CatalogError(JichitaiError):
    """A data file is missing or malformed. Names the file, the row and the problem."""

    def __init__(self, file: str, problem: str, row: int | None = None, column: str | None = None):
        self.file = file
        self.row = row
        self.column = column
        self.problem = problem
        where = file
        if row is not None:
            where += f", line {row}"
        if column:
            where += f", column '{column}'"
        super().__init__(f"{where}: {problem}")


class ConfigError(JichitaiError):
    """A JICHITAI_* setting is invalid: each line names the variable, the problem and the allowed range."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("設定に誤りがあります / invalid settings:\n" + "\n".join(problems))


class StoreUnavailable(JichitaiError):
    """The inquiry database cannot be opened or written right now (locked, read-only, down)."""


class UnknownSeminar(JichitaiError):
    """A seminar id or programme number that the catalogue does not hold."""


class ErasureIncomplete(StoreUnavailable):
    """An erasure (or purge) could not finish; nothing was half-done and the request is kept pending."""
