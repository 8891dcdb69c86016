"""Who may run at the same time: the bitset answers of ResourceIndex against the plain
definition, pair by pair.

The index keeps, per workstream, the set of workstreams that may run beside it as a Python
int; these tests restate the rules the slow way (transitive prerequisites as sets, every
pair compared) and check both agree: on hand-written plans, on a long chain of writers
(the case that was quadratic), and on random graphs, cycles and stages included.
"""

from __future__ import annotations

import time

from hypothesis import given, settings
from hypothesis import strategies as st

from analyzer.index import ResourceIndex
from analyzer.model import Evidence, Kind, Mode, Resource, Stage, Timing, Touch, Workstream


def closure(edges: dict[str, tuple[str, ...]]) -> dict[str, set[str]]:
    """The reference walk with sets, as index.closure read before it used bitsets: the same
    depth-first order, so a cycle is cut at the same place."""
    memo: dict[str, set[str]] = {}
    for start in edges:
        stack: list[tuple[str, bool]] = [(start, False)]
        on_path: set[str] = set()
        while stack:
            node, expanded = stack.pop()
            if expanded:
                on_path.discard(node)
                memo[node] = set()
                for dep in edges[node]:
                    if dep in edges and dep != node:
                        memo[node] |= {dep} | memo.get(dep, set())
            elif node not in memo and node not in on_path:
                on_path.add(node)
                stack.append((node, True))
                stack.extend((d, False) for d in edges[node]
                             if d in edges and d not in memo and d not in on_path)
    return memo


def plain_concurrent(index: ResourceIndex, a: str, b: str) -> bool:
    """The rules as the plan states them, with sets: no bitsets, no caches."""
    if a == b:
        return False
    ta, tb = index.workstreams[a].timing, index.workstreams[b].timing
    if ta.done or tb.done or ta.alone or tb.alone:
        return False
    ancestry = closure({w.id: w.depends_on for w in index.workstreams.values()})
    if b in ancestry[a] or a in ancestry[b]:
        return False
    if b in ta.not_with or a in tb.not_with:
        return False
    sa, sb = index.stages.get(ta.stage or ""), index.stages.get(tb.stage or "")
    if sa is None or sb is None:
        return True
    if sa.key == sb.key:
        return sa.inside == "parallel" or (sa.inside == "marked" and ta.marked and tb.marked)
    stages = closure({key: stage.after for key, stage in index.stages.items()})
    return not (sa.key in stages[sb.key] or sb.key in stages[sa.key])


def task(ws_id: str, depends_on: tuple[str, ...] = (), **timing: object) -> Workstream:
    ws = Workstream(ws_id, ws_id, "task", Evidence("plan.md", 1, ws_id),
                    depends_on=depends_on, timing=Timing(**timing))  # type: ignore[arg-type]
    ws.touches = [Touch(ws_id, Resource(Kind.FILE, "src/shared.py"), Mode.WRITE,
                        Evidence("plan.md", 1, "edit src/shared.py"))]
    return ws


def assert_agrees(index: ResourceIndex) -> None:
    ids = list(index.workstreams)
    for a in ids:
        for b in ids:
            expected = plain_concurrent(index, a, b)
            assert index.concurrent(a, b) is expected, (a, b)
            assert (index.why_concurrent(a, b) is not None) is (expected and a != b), (a, b)
    expected_any = [a for a in ids if any(plain_concurrent(index, a, b) for b in ids)]
    assert index.concurrent_with_any(ids) == expected_any
    first = next((index.why_concurrent(a, b) for i, a in enumerate(ids) for b in ids[i + 1:]
                  if plain_concurrent(index, a, b)), None)
    assert index.first_overlap(ids) == (first or "")


def test_dependencies_stages_marks_and_declared_conflicts():
    stages = [Stage("setup", "Setup", "sequence"), Stage("build", "Build", "marked", ("setup",)),
              Stage("polish", "Polish", "parallel"), Stage("docs", "Docs", "parallel")]
    index = ResourceIndex([
        task("s1", stage="setup"), task("s2", stage="setup"),
        task("b1", stage="build", marked=True), task("b2", stage="build", marked=True),
        task("b3", stage="build"), task("p1", ("b1",), stage="polish"),
        task("p2", stage="polish", not_with=("d1",)), task("d1", stage="docs"),
        task("free"), task("solo", alone=True), task("old", done=True),
    ], stages)
    assert_agrees(index)
    assert index.concurrent("b1", "b2") and not index.concurrent("b1", "b3")
    assert not index.concurrent("s1", "b1")  # build waits for setup
    assert not index.concurrent("p2", "d1") and index.concurrent("p1", "d1")


def test_a_cycle_answers_as_the_walk_does():
    index = ResourceIndex([task("a", ("c",)), task("b", ("a",)), task("c", ("b",)),
                           task("d", ("d",)), task("e")])
    assert_agrees(index)


def test_a_long_chain_of_writers_is_linear():
    """2,000 tasks each after the one before, all writing one file: nobody overlaps, and
    asking so no longer compares every pair (27 s before the bitsets)."""
    n = 2000
    tasks = [task(f"t{i}", (f"t{i - 1}",) if i else ()) for i in range(n)]
    start = time.perf_counter()
    index = ResourceIndex(tasks)
    assert index.concurrent_with_any(list(index.workstreams)) == []
    assert index.first_overlap(list(index.workstreams)) == ""
    # none overlaps: the collision is every writer, which the checks then call sequenced
    [(_, writers)] = list(index.shared(Kind.FILE))
    assert len(writers) == n
    # ~0.03 s; every pair compared took 8 s on an idle core: a 60x margin for a busy machine
    assert time.perf_counter() - start < 2


def test_the_near_miss_two_tasks_without_an_order_overlap():
    index = ResourceIndex([task("t0"), task("t1", ("t0",)), task("t2", ("t0",))])
    assert index.concurrent_with_any(["t0", "t1", "t2"]) == ["t1", "t2"]
    assert index.first_overlap(["t0", "t1", "t2"]) == "t1 \u2225 t2: neither waits for the other"


INSIDE = st.sampled_from(["parallel", "sequence", "marked"])


@st.composite
def plans(draw: st.DrawFn) -> ResourceIndex:
    n_stages = draw(st.integers(0, 4))
    keys = [f"S{i}" for i in range(n_stages)]
    stages = [Stage(key, key, draw(INSIDE),
                    tuple(draw(st.lists(st.sampled_from(keys), max_size=2))) if keys else ())
              for key in keys]
    n = draw(st.integers(1, 9))
    ids = [f"t{i}" for i in range(n)]
    tasks = []
    for ws_id in ids:
        tasks.append(task(
            ws_id, tuple(draw(st.lists(st.sampled_from([*ids, "elsewhere"]), max_size=3))),
            stage=draw(st.sampled_from([None, "unknown", *keys])), marked=draw(st.booleans()),
            done=draw(st.booleans()) and draw(st.booleans()),
            alone=draw(st.booleans()) and draw(st.booleans()),
            not_with=tuple(draw(st.lists(st.sampled_from(ids), max_size=2)))))
    return ResourceIndex(tasks, stages)


@settings(max_examples=300, deadline=None)
@given(plans())
def test_bitsets_equal_the_plain_definition(index: ResourceIndex):
    assert_agrees(index)


@given(st.dictionaries(st.sampled_from("abcdefgh"),
                       st.lists(st.sampled_from("abcdefghij"), max_size=4).map(tuple),
                       max_size=8))
def test_closure_names_the_reference_walk(edges: dict[str, tuple[str, ...]]) -> None:
    """index.closure (bitsets) equals the walk with sets, cycles, self-edges and
    prerequisites outside the graph included."""
    from analyzer.index import closure as with_bits

    assert with_bits(edges) == closure(edges)
