"""Run-time guards: a plan answers for some inputs only, and a guard says which it does not answer for.

A construct whose result the engine can compute only for some inputs (a `sample` of fewer rows than it
has, a tie at `top-hitters`' cut, `pivot` over rows...) is translated for the inputs it answers for, and adds
a guard: a query counting the rows the plan cannot answer for. The engine runs every guard before the
statement and refuses (`UnsupportedKql` naming the construct and its position) when one counts anything.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Guard:
    sql: str  # one row, one column: non-zero (or true) when the plan cannot answer
    construct: str  # what is refused, as the error names it
    line: int
    col: int

    def rendered(self, sql: str) -> Guard:
        """The same guard over the statement's WITH list (`Ctes.render`)."""
        return Guard(sql, self.construct, self.line, self.col)
