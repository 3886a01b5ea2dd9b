"""Rules about the milestone dependency graph (`depends_on`)."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from typing import TypeAlias

from tpm.diagnostic import Finding
from tpm.model import Project, Reference
from tpm.rules.registry import Context, rule
from tpm.vocabulary import MILESTONE_CLOSED, natural_key

Graph: TypeAlias = dict[str, list[tuple[str, Reference]]]


def _graph(project: Project) -> Graph:
    """Milestone id -> [(dependency id, reference)] in file order, existing milestones only."""
    graph: Graph = {}
    for reference in project.references:
        source = reference.source
        if source.type != "milestone" or reference.field != "depends_on" or source.id is None:
            continue  # a milestone without an id cannot be depended on, so it closes no cycle
        target = project.get(reference.target)
        if target is not None and target.type == "milestone":
            graph.setdefault(source.id, []).append((reference.target, reference))
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


@rule("dependency-cycle", "TPM102", "error", scope="project")
def dependency_cycle(project: Project, ctx: Context) -> Iterator[Finding]:
    """Milestones depend on each other in a cycle.

    No milestone of a cycle can ever start: each waits for another. The cycle is printed,
    `M-7 → M-8 → M-7`, and reported once, at the `depends_on` item of its first milestone
    (by id) that leads around it. A milestone that depends on itself is a cycle of one.
    """
    graph = _graph(project)
    for component in sorted(_strongly_connected(graph), key=lambda c: natural_key(min(c, key=natural_key))):
        start = min(component, key=natural_key)
        if len(component) == 1 and not any(child == start for child, _ in graph.get(start, [])):
            continue
        path = _cycle_through(start, component, graph)
        names = " → ".join([start] + [reference.target for reference in path])
        first = path[0]
        yield Finding(first.source.path, first.line, first.column, f"dependency cycle: {names}")


@rule("dependency-order", "TPM103", "warning", scope="project", options={"buffer_days": 0})
def dependency_order(project: Project, ctx: Context) -> Iterator[Finding]:
    """A milestone is due before a milestone it depends on is due, plus `buffer_days`.

    If M-2 depends on M-1, M-2 cannot finish before M-1 does, so its `due` should be at
    least M-1's `due` plus `buffer_days` (default 0; set it in `[rules.dependency-order]`
    to demand slack between dependent milestones). Reported at the `depends_on` item.
    Done and cancelled milestones are not judged, nor dependencies that were cancelled.
    """
    buffer = ctx.options["buffer_days"]
    for milestone_id, edges in _graph(project).items():
        for dependency_id, reference in edges:
            milestone = reference.source  # the file that names the dependency (ids may repeat)
            due = milestone.date("due")
            if due is None or milestone.status in MILESTONE_CLOSED:
                continue
            dependency = project.by_id[dependency_id][0]  # _graph keeps existing milestones only
            dependency_due = dependency.date("due")
            if dependency_due is None or dependency.status == "cancelled":
                continue
            if (due - dependency_due).days < buffer:  # differences of dates never overflow
                slack = f" plus {ctx.options['buffer_days']} buffer days" if ctx.options["buffer_days"] else ""
                yield Finding(
                    milestone.path,
                    reference.line,
                    reference.column,
                    f"{milestone_id} is due {due}, before its dependency {dependency_id} (due {dependency_due}{slack})",
                )
