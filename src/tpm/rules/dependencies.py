"""Rules about the dependency graph: the documents each document names in the reference
field given by the rule's `field` option (default `depends_on`, the built-in milestone's)."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from typing import TypeAlias

from tpm.config import CLOSED, DUE
from tpm.diagnostic import Finding
from tpm.model import Project, Reference, role_date, role_of
from tpm.rules.registry import Context, rule
from tpm.vocabulary import natural_key

Graph: TypeAlias = dict[str, list[tuple[str, Reference]]]


def _graph(project: Project, field: str) -> Graph:
    """Document id -> [(dependency id, reference)] in file order, over the field `field` of
    every document that has it, to existing documents only."""
    graph: Graph = {}
    for source in project.documents:
        if source.type is None or source.id is None or field not in source.data:
            continue  # a document without an id cannot be depended on, so it closes no cycle
        separator = project.config.types[source.type].reference_separator
        for index, target in enumerate(source.ids(field, separator)):
            if project.get(target) is not None:
                graph.setdefault(source.id, []).append((target, Reference(source, field, target, index, separator)))
    return graph


def _strongly_connected(graph: Graph) -> list[set[str]]:
    """Tarjan's algorithm, iterative so that long chains cannot hit the recursion limit."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components: list[set[str]] = []
    counter = 0
    for start in sorted(graph, key=natural_key):
        if start in index:
            continue
        work = [(start, 0)]
        while work:
            node, position = work.pop()
            if position == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            edges = graph.get(node, [])
            if position < len(edges):
                work.append((node, position + 1))
                child = edges[position][0]
                if child not in index:
                    work.append((child, 0))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                components.append(component)
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return components


def _cycle_through(start: str, component: set[str], graph: Graph) -> list[Reference]:
    """The shortest path start -> ... -> start inside one component, as references."""
    previous: dict[str, tuple[str, Reference]] = {}  # node -> (the node before it, the edge between)
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for child, reference in graph.get(node, []):
            if child not in component:
                continue
            if child == start:
                path = [reference]
                while node != start:
                    node, edge = previous[node]
                    path.append(edge)
                return list(reversed(path))
            if child not in previous:
                previous[child] = (node, reference)
                queue.append(child)
    return []


@rule("dependency-cycle", "TPM102", "error", scope="project", options={"field": "depends_on"})
def dependency_cycle(project: Project, ctx: Context) -> Iterator[Finding]:
    """Documents depend on each other in a cycle.

    A document depends on those its `field` (default `depends_on`, as in the built-in
    milestone; `requires` in a proposals repository) names, in whatever type. No document
    of a cycle can ever be finished: each waits for another. The cycle is printed,
    `M-7 → M-8 → M-7`, and reported once, at the item of its first document (by id) that
    leads around it. A document that depends on itself is a cycle of one.
    """
    graph = _graph(project, ctx.names["field"])
    for component in sorted(_strongly_connected(graph), key=lambda c: natural_key(min(c, key=natural_key))):
        start = min(component, key=natural_key)
        if len(component) == 1 and not any(child == start for child, _ in graph.get(start, [])):
            continue
        path = _cycle_through(start, component, graph)
        names = " → ".join([start] + [reference.target for reference in path])
        first = path[0]
        yield Finding(first.source.path, first.line, first.column, f"dependency cycle: {names}")


@rule("dependency-order", "TPM103", "warning", scope="project", options={"buffer_days": 0, "field": "depends_on"})
def dependency_order(project: Project, ctx: Context) -> Iterator[Finding]:
    """A document is due before a document it depends on is due, plus `buffer_days`.

    Documents depend on those their `field` (default `depends_on`) names; both need a
    date in their type's `due` role (the built-in milestone's `due`). If M-2 depends on
    M-1, M-2 cannot finish before M-1 does, so its due date should be at least M-1's
    plus `buffer_days` (default 0; set it in `[rules.dependency-order]` to demand slack
    between dependent documents). Reported at the item that names the dependency. A
    document in its type's done or dropped role is not judged (a milestone `done` or
    `cancelled`), nor a dependency that is done (there is nothing left to wait for, however
    late its due date was set) or dropped.
    """
    buffer = ctx.options["buffer_days"]
    for document_id, edges in _graph(project, ctx.names["field"]).items():
        for dependency_id, reference in edges:
            document = reference.source  # the file that names the dependency (ids may repeat)
            due = role_date(document, ctx.config, DUE)
            if due is None or role_of(document, ctx.config) in CLOSED:
                continue
            dependency = project.by_id[dependency_id][0]  # _graph keeps existing documents only
            dependency_due = role_date(dependency, ctx.config, DUE)
            if dependency_due is None or role_of(dependency, ctx.config) in CLOSED:
                continue
            if (due - dependency_due).days < buffer:  # differences of dates never overflow
                slack = f" plus {buffer} buffer days" if buffer else ""
                yield Finding(
                    document.path,
                    reference.line,
                    reference.column,
                    f"{document_id} is due {due}, before its dependency {dependency_id} (due {dependency_due}{slack})",
                )
