"""The tree of counts against counting a sorted list: ranks, positions, sizes, deltas."""

from __future__ import annotations

from bisect import bisect_left

from hypothesis import given
from hypothesis import strategies as st

from tap_core.leaderboard import encode_sort_key
from tap_core.leaderboard.counts import (
    LEVELS,
    ROOT,
    TIME_PREFIX_LENGTH,
    build,
    count_below,
    deltas,
    nodes_for,
    path,
    position_from,
    rank_from,
    rank_nodes,
    size,
)
from tests.unit.leaderboard.strategies import (
    FEW_PLAYERS,
    INT64,
    NOW,
    ORDERS,
    TIED_RECENT,
    TIED_SCORES,
)

ENTRIES = st.dictionaries(FEW_PLAYERS, st.tuples(TIED_SCORES | INT64, TIED_RECENT), max_size=12)


def _keys(order: str, entries: dict[str, tuple[int, object]]) -> list[str]:
    return sorted(
        encode_sort_key(order, score, at, player)  # type: ignore[arg-type]
        for player, (score, at) in entries.items()
    )


@given(order=ORDERS, entries=ENTRIES)
def test_rank_and_position_equal_counting_the_sorted_keys(
    order: str, entries: dict[str, tuple[int, object]]
) -> None:
    """For every key, rank = 1 + keys with a smaller score prefix; position = its index + 1."""
    keys = _keys(order, entries)
    tree = build(keys)
    for index, key in enumerate(keys):
        fetched = {node: tree.get(node, {}) for node in rank_nodes(key)}
        naive_rank = bisect_left(keys, key[:16]) + 1
        assert rank_from(key, fetched) == naive_rank
        tied = sum(1 for other in keys[:index] if other[:TIME_PREFIX_LENGTH] == key[:31])
        assert position_from(key, fetched, tied) == index + 1
    assert size(tree.get(ROOT, {})) == len(keys)


@given(order=ORDERS, entries=ENTRIES, moved=st.tuples(FEW_PLAYERS, TIED_SCORES, TIED_RECENT))
def test_applying_deltas_equals_rebuilding(
    order: str, entries: dict[str, tuple[int, object]], moved: tuple[str, int, object]
) -> None:
    """Adding one entry's deltas to the tree gives the tree built from the new keys."""
    player, score, at = moved
    old = entries.get(player)
    old_key = None if old is None else encode_sort_key(order, old[0], old[1], player)  # type: ignore[arg-type]
    new_key = encode_sort_key(order, score, at, player)  # type: ignore[arg-type]
    tree = build(_keys(order, entries))
    for (node, child), change in deltas(old_key, new_key).items():
        children = tree.setdefault(node, {})
        children[child] = children.get(child, 0) + change
        if children[child] == 0:
            del children[child]
    expected = build(_keys(order, {**entries, player: (score, at)}))
    assert {n: c for n, c in tree.items() if c} == expected


def test_the_shape_is_fixed() -> None:
    key = encode_sort_key("desc", 7, NOW, "p")
    assert [len(node) for node, _ in path(key)] == list(LEVELS[:-1])
    assert "".join(child for _, child in path(key)) == key[:TIME_PREFIX_LENGTH]
    assert deltas(key, key) == {}
    assert nodes_for(key[:16]) == [key[:low] for low in LEVELS if low < 16]
    assert count_below("", {}) == 0
