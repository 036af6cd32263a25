"""scan: the documented state machine (one state per step, steps checked from the last to the first for every
record) over the serialized input, as DuckDB `list_reduce` folds whose accumulator is the state, one fold per
chunk of rows in a recursive CTE.

The accumulator is a STRUCT: `n` (the next match id), per step k `a{k}` (an active sequence) and `m{k}` (its
match id), the records of the state of step k as `f{k}_{j}_{i}` (record of step j, column i) and `o`, the
output so far (row number, place in the row's evaluation, declared values, match id). An empty state holds
the defaults, so `s1.x` on an empty state reads the column's default, as the docs' cumulative sum needs.

Refused rather than guessed: `output=last`, an unserialized input, a step naming its own or a later step's
state (except the first step naming itself), and a bare declared column inside a step."""

from __future__ import annotations

from dataclasses import dataclass

from kqlrules.engine.context import Row
from kqlrules.engine.literals import null_of
from kqlrules.engine.names import name_text
from kqlrules.engine.operators.common import need_input
from kqlrules.engine.operators.registry import operator
from kqlrules.engine.relation import ORDER, Relation
from kqlrules.engine.sql import Sql, quote_identifier
from kqlrules.engine.translator import Translator, kusto_type
from kqlrules.engine.types import DUCKDB_TYPES
from kqlrules.kusto import Node
from kqlrules.table import Column

ACC = "__a"
CHUNK = 64  # rows folded per step of the recursion
ELEMENT = "__e"
ROW = "__rn"


@dataclass
class _Step:
    name: str
    node: Node
    condition: Node
    assignments: dict[str, Node]
    emits: bool


@operator("ScanOperator")
def scan(t: Translator, node: Node, source: Relation | None) -> Relation:
    source = need_input(t, node, source)
    if not source.ordered:
        raise t.position.unsupported("scan over rows in no defined order (sort or serialize first)", node)
    match_id = _match_id_name(t, node)
    declared = _declarations(t, node)
    # The analyzer lists a `match_id` column even without `with_match_id`; Kusto's output has none.
    output = list(source.columns) + [c for c, _ in declared]
    if match_id is not None:
        output.append(Column(match_id, "long"))
    inputs = [c.name for c in source.columns]
    if any(c.name in inputs for c, _ in declared):
        raise t.position.unsupported("scan declaring a column the input has", node)
    record = list(source.columns) + [c for c, _ in declared]
    defaults = [null_of(c.type).text for c in source.columns] + [d for _, d in declared]
    steps = _steps(t, node, {c.name for c, _ in declared})
    machine = _Machine(t, record, defaults, steps, len(source.columns))

    numbered = t.ctes.add(
        f"SELECT *, row_number() OVER (ORDER BY {ORDER}) AS {ROW} FROM {source.name}",
        source.columns,
    )
    fields = ", ".join(f"c{i} := {quote_identifier(c.name)}" for i, c in enumerate(source.columns))
    element = f"struct_pack({fields}{', ' if fields else ''}{ROW} := {ROW})"
    chunks = t.ctes.add(
        f"SELECT ({ROW} - 1) // {CHUNK} AS k, list({element} ORDER BY {ROW}) AS rows FROM {numbered.name} "
        "GROUP BY 1",
        [],
    )
    # Each chunk's rows are folded from the state the chunk before left, with no output yet: the output
    # list a fold copies at every row stays short (a fold of all rows at once takes quadratic time).
    fold = f"list_reduce(c.rows, lambda {ACC}, {ELEMENT}: {machine.transition()}, {machine.reset('f.s')})"
    matches = t.ctes.add(
        f"WITH RECURSIVE __fold(k, s) AS (SELECT CAST(-1 AS BIGINT), {machine.initial()} UNION ALL "
        f"SELECT c.k, {fold} FROM __fold AS f JOIN {chunks.name} AS c ON c.k = f.k + 1) "
        "SELECT unnest(s.o) AS u FROM __fold",
        [],
    )
    parts = []
    for column in output:
        name = quote_identifier(column.name)
        if column.name in inputs:
            parts.append(f"i.{name} AS {name}")
        elif column.name == match_id:
            parts.append(f"m.u.mid AS {name}")
        else:
            index = next(i for i, (c, _) in enumerate(declared) if c.name == column.name)
            parts.append(f"m.u.d{index} AS {name}")
    parts.append(f"row_number() OVER (ORDER BY m.u.r, m.u.p) AS {ORDER}")
    sql = f"SELECT {', '.join(parts)} FROM {matches.name} AS m JOIN {numbered.name} AS i ON i.{ROW} = m.u.r"
    return t.ctes.add(sql, output, ordered=True, sources=source.sources)


def _match_id_name(t: Translator, node: Node) -> str | None:
    for parameter in node.elements("Parameters"):
        name_node, value = parameter.get("Name"), parameter.get("Expression")
        if name_node is None or value is None or name_text(name_node) != "with_match_id":
            raise t.position.unsupported(f"scan with {t.source(parameter)}", parameter)
        return name_text(value)
    return None


def _declarations(t: Translator, node: Node) -> list[tuple[Column, str]]:
    clause = node.get("DeclareClause")
    found: list[tuple[Column, str]] = []
    for declaration in clause.elements("Declarations") if clause is not None else []:
        name_and_type = declaration.get("NameAndType")
        name_node = name_and_type.get("Name") if name_and_type is not None else None
        if name_node is None:
            raise t.position.unsupported("this scan declaration", declaration)
        column = Column(name_text(name_node), kusto_type(name_node))
        default_node = declaration.get("DefaultValue")
        value = default_node.get("Value") if default_node is not None else None
        default = (
            null_of(column.type).text if value is None else _cast(t.expr(value, Row.empty()), column.type)
        )
        found.append((column, default))
    return found


def _steps(t: Translator, node: Node, declared: set[str]) -> list[_Step]:
    steps: list[_Step] = []
    for item in node.elements("Steps"):
        name_node, condition = item.get("Name"), item.get("Condition")
        if name_node is None or condition is None:
            raise t.position.unsupported("this scan step", item)
        output = item.get("ScanStepOutput")
        kind = output.get("OutputKind") if output is not None else None
        mode = (kind.token or "all").lower() if kind is not None else "all"
        if mode not in ("all", "none"):
            raise t.position.unsupported(f"scan step output={mode}", item)
        assignments: dict[str, Node] = {}
        clause = item.get("ComputationClause")
        for assignment in clause.elements("Assignments") if clause is not None else []:
            target, value = assignment.get("Name"), assignment.get("Expression")
            if target is None or value is None:
                raise t.position.unsupported("this scan assignment", assignment)
            target_name = name_text(target)
            if target_name not in declared:
                raise t.position.unsupported("a scan step assigning a column it did not declare", assignment)
            assignments[target_name] = value
        steps.append(_Step(name_text(name_node), item, condition, assignments, mode == "all"))
    names = [s.name.lower() for s in steps]
    if not steps or len(set(names)) != len(names):
        raise t.position.unsupported("scan steps whose names differ only by case", node)
    for index, step in enumerate(steps):
        for expression in [step.condition, *step.assignments.values()]:
            _check_references(t, expression, names, index, declared)
    return steps


def _check_references(
    t: Translator, expression: Node, names: list[str], index: int, declared: set[str]
) -> None:
    selectors = set()
    for found in expression.walk():
        if found.kind == "PathExpression":
            target, selector = found.get("Expression"), found.get("Selector")
            if target is not None and target.type == "tuple":
                referenced = names.index(name_text(target).lower())
                # Check 1 evaluates a step with the previous step's state, where its own record is absent.
                if referenced > index or (referenced == index and index > 0):
                    raise t.position.unsupported("a scan step reading its own or a later step's state", found)
                if selector is not None:
                    selectors.add((selector.start, selector.end))
    for found in expression.walk():
        if (
            found.kind == "NameReference"
            and (found.start, found.end) not in selectors
            and name_text(found) in declared
        ):
            raise t.position.unsupported("a declared column read outside a step's state in scan", found)


def _cast(sql: Sql, kusto_type: str) -> str:
    if kusto_type == "string":
        return f"coalesce(CAST({sql.text} AS VARCHAR), '')"
    return f"CAST({sql.text} AS {DUCKDB_TYPES.get(kusto_type, 'VARCHAR')})"


class _Machine:
    """The SQL of the accumulator: its initial value and the transition for one record."""

    def __init__(
        self, t: Translator, record: list[Column], defaults: list[str], steps: list[_Step], inputs: int
    ) -> None:
        self.t = t
        self.record = record
        self.defaults = defaults
        self.steps = steps
        self.inputs = inputs
        self.count = len(steps)

    def state_fields(self) -> list[tuple[str, str]]:
        """(field, SQL type) of the state, in accumulator order."""
        fields = [("n", "BIGINT")]
        for k in range(1, self.count + 1):
            fields += [(f"a{k}", "BOOLEAN"), (f"m{k}", "BIGINT")]
            for j in range(1, k + 1):
                fields += [(f"f{k}_{j}_{i}", _duck(c.type)) for i, c in enumerate(self.record)]
        return fields

    def output_type(self) -> str:
        declared = [f"d{i} {_duck(c.type)}" for i, c in enumerate(self.record[self.inputs :])]
        return f"STRUCT(r BIGINT, p INTEGER{''.join(', ' + d for d in declared)}, mid BIGINT)"

    def reset(self, state: str) -> str:
        """`state` with no output yet."""
        kept = [f"{name} := {state}.{name}" for name, _ in self.state_fields()]
        return f"struct_pack({', '.join([*kept, f'o := CAST([] AS {self.output_type()}[])'])})"

    def initial(self) -> str:
        parts = ["n := CAST(0 AS BIGINT)"]
        for k in range(1, self.count + 1):
            parts += [f"a{k} := FALSE", f"m{k} := CAST(NULL AS BIGINT)"]
            for j in range(1, k + 1):
                parts += [f"f{k}_{j}_{i} := {d}" for i, d in enumerate(self.defaults)]
        parts.append(f"o := CAST([] AS {self.output_type()}[])")
        return f"struct_pack({', '.join(parts)})"

    def transition(self) -> str:
        text = ACC
        for k in range(self.count, 0, -1):
            state, checks = f"__s{k}", f"__b{k}"
            text = (
                f"list_transform([{text}], lambda {state}: list_transform([{self._checks(k, state)}], "
                f"lambda {checks}: {self._next(k, state, checks)})[1])[1]"
            )
        return text

    def _row(self, state: str, k: int) -> Row:
        columns = {c.name: Sql(f"{ELEMENT}.c{i}", c.type) for i, c in enumerate(self.record[: self.inputs])}
        states = {
            step.name: Row({c.name: Sql(f"{state}.f{k}_{j}_{i}", c.type) for i, c in enumerate(self.record)})
            for j, step in enumerate(self.steps[:k], start=1)
        }
        return Row(columns, tuples=states)

    def _expression(self, node: Node, row: Row) -> Sql:
        """A step's condition or assignment: the body of a DuckDB lambda, where subqueries cannot be."""
        sql = self.t.expr(node, row)
        if sql.subquery or sql.window:
            raise self.t.position.unsupported("a subquery or window function inside a scan step", node)
        return sql

    def _checks(self, k: int, state: str) -> str:
        step = self.steps[k - 1]
        parts = []
        if k > 1:
            condition = self._expression(step.condition, self._row(state, k - 1)).text
            parts.append(f"c1 := (coalesce({state}.a{k - 1}, FALSE) AND coalesce({condition}, FALSE))")
        else:
            parts.append("c1 := FALSE")
        own = self._expression(step.condition, self._row(state, k)).text
        active = "TRUE" if k == 1 else f"{state}.a{k}"
        parts.append(f"c2 := ({active} AND coalesce({own}, FALSE))")
        for index, column in enumerate(self.record[self.inputs :]):
            value = step.assignments.get(column.name)
            if value is None:
                continue
            if k > 1:
                first = self._expression(value, self._row(state, k - 1))
                parts.append(f"g1_{index} := {_cast(first, column.type)}")
            second = self._expression(value, self._row(state, k))
            parts.append(f"g2_{index} := {_cast(second, column.type)}")
        return f"struct_pack({', '.join(parts)})"

    def _extended(self, k: int, checks: str, which: int) -> list[str]:
        step = self.steps[k - 1]
        which = 2 if k == 1 else which  # the first step has no check 1
        values = [f"{ELEMENT}.c{i}" for i in range(self.inputs)]
        for index, column in enumerate(self.record[self.inputs :]):
            if column.name in step.assignments:
                values.append(f"{checks}.g{which}_{index}")
            else:
                values.append(self.defaults[self.inputs + index])
        return values

    def _next(self, k: int, state: str, checks: str) -> str:
        matched1, matched2 = f"{checks}.c1", f"(NOT {checks}.c1 AND {checks}.c2)"
        fresh = f"NOT coalesce({state}.a1, FALSE)" if k == 1 else "FALSE"
        first, second = self._extended(k, checks, 1), self._extended(k, checks, 2)
        changed: dict[str, str] = {}
        if k == 1:
            changed["n"] = f"CASE WHEN {matched2} AND {fresh} THEN {state}.n + 1 ELSE {state}.n END"
            new_id = f"CASE WHEN {fresh} THEN {state}.n ELSE {state}.m1 END"
        else:
            new_id = f"{state}.m{k}"
        changed[f"a{k}"] = f"({matched1} OR {matched2} OR {state}.a{k})"
        match_id = (
            f"CASE WHEN {matched1} THEN {state}.m{max(k - 1, 1)} WHEN {matched2} THEN {new_id} "
            f"ELSE {state}.m{k} END"
        )
        changed[f"m{k}"] = match_id
        for i in range(len(self.record)):
            for j in range(1, k):
                changed[f"f{k}_{j}_{i}"] = (
                    f"CASE WHEN {matched1} THEN {state}.f{k - 1}_{j}_{i} ELSE {state}.f{k}_{j}_{i} END"
                )
            changed[f"f{k}_{k}_{i}"] = (
                f"CASE WHEN {matched1} THEN {first[i]} WHEN {matched2} THEN {second[i]} "
                f"ELSE {state}.f{k}_{k}_{i} END"
            )
        if k > 1:
            changed[f"a{k - 1}"] = f"(NOT {matched1} AND {state}.a{k - 1})"
            changed[f"m{k - 1}"] = f"CASE WHEN {matched1} THEN NULL ELSE {state}.m{k - 1} END"
            for j in range(1, k):
                for i, default in enumerate(self.defaults):
                    changed[f"f{k - 1}_{j}_{i}"] = (
                        f"CASE WHEN {matched1} THEN {default} ELSE {state}.f{k - 1}_{j}_{i} END"
                    )
        parts = []
        for field, duck in self.state_fields():
            value = changed.get(field)
            parts.append(f"{field} := CAST({value} AS {duck})" if value else f"{field} := {state}.{field}")
        if self.steps[k - 1].emits:
            declared = [
                f"d{index} := CASE WHEN {matched1} THEN {first[self.inputs + index]} "
                f"ELSE {second[self.inputs + index]} END"
                for index in range(len(self.record) - self.inputs)
            ]
            item = (
                f"CAST(struct_pack(r := {ELEMENT}.{ROW}, p := {self.count - k}"
                f"{''.join(', ' + d for d in declared)}, mid := {match_id}) AS {self.output_type()})"
            )
            emitted = f"list_append({state}.o, {item})"
            parts.append(f"o := CASE WHEN {matched1} OR {matched2} THEN {emitted} ELSE {state}.o END")
        else:
            parts.append(f"o := {state}.o")
        return f"struct_pack({', '.join(parts)})"


def _duck(kusto_type: str) -> str:
    return DUCKDB_TYPES.get(kusto_type, "VARCHAR")
