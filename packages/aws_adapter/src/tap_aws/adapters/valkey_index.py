"""``ValkeyRankIndex``: the core's ``RankIndex`` port on Valkey (or Redis) sorted sets.

Per page, two keys sharing one hash slot (the ``{board/period}`` hash tag, so a cluster-mode
endpoint such as ElastiCache Serverless takes them; no command spans two pages):

- ``{ns}:rank:{board/period}:keys``: a sorted set whose members are the core's encoded sort
  keys (`tap_core.leaderboard.ranking.encode_sort_key`), every score 0, so the set's
  order is the keys' byte order, which is the rank order: a position is ``ZRANK``, the keys
  below a string are ``ZLEXCOUNT - (string``, a competition rank is ``ZLEXCOUNT`` below the
  key's 16-character score prefix, a window is ``ZRANGE`` by index or ``BYLEX``.
- ``{ns}:rank:{board/period}:held``: a hash, player -> ``"{revision}|{key}"`` (an empty key
  once removed: the tombstone the port keeps), what makes moves idempotent and monotone.

Writes: `APPLY` (a Lua script, run by ``EVALSHA``, sent as ``EVAL`` once after a
``NOSCRIPT``) moves each player of one page from the key the index *holds* to the move's new
key, only when the move's revision is newer than the held one: the rule of
`tap_core.leaderboard.moves.supersedes`, mirrored in Lua (a test compares the two). A
batch is settled first (the core's ``settle``: one move per player, its newest) and sent in one
pipeline: one script call per page and chunk of players, one round trip per batch.

Reads: one round trip each, atomic (a script or a single command): ``count`` (``ZCARD``),
``count_below`` (``ZLEXCOUNT``), ``top``, ``around`` and ``ranks_of`` (scripts flagged
``no-writes``, so a full server still answers them; Redis 7 or Valkey 7.2 and later) that
return keys with the position and rank of the first, or of each.

Errors: any failure of the server or the connection (after a bounded retry with backoff and
short timeouts) raises `tap_core.leaderboard.index.RankIndexUnavailable` naming the
endpoint. The index can be lost (a flush, a failover without a replica): a repair applies
every entry's current key at its revision, as a fresh index's rebuild does.
"""

from __future__ import annotations

import hashlib
from functools import cached_property
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import urlsplit

from tap_core.leaderboard.index import NOTHING_HELD, Held, Placed, RankIndexUnavailable
from tap_core.leaderboard.moves import settle
from tap_core.leaderboard.ranking import SCORE_PREFIX_LENGTH

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence

    from redis import Redis, RedisCluster

    from tap_core.leaderboard.index import Move, PageId

    Client = Redis | RedisCluster
    Call = tuple["_Script", Sequence[str], Sequence[str | int]]

MOVES_PER_CALL: Final = 200
"""Players of one page per script call: the server runs a call as one atomic step (measured on
Redis 7: ~1.5 ms for 200 moves on a page of 10^5), so a batch of thousands neither blocks it
long nor costs a call per player (a call per player: ~44,000 moves/s on one core; 200: ~65,000)."""
TIMEOUT_SECONDS: Final = 0.5
"""Connect and reply timeout: the index answers in well under a millisecond; past this, it is
down."""
RETRIES: Final = 1
"""Attempts after the first, after a backoff of 20 ms (exponential, up to 200 ms). redis-py
retries a new connection's handshake inside each attempt of a call, so attempts multiply:
a server that never answers costs ``(RETRIES + 1) ** 2`` timeouts (2 s by default)."""

_SEPARATOR: Final = "|"  # between a held revision and key (as the scripts write it)

APPLY: Final = """
-- KEYS: the page's sorted set and held hash. ARGV: (player, new key or '', revision) triples.
-- The rule is tap_core.leaderboard.moves.supersedes: a move applies only when its revision is
-- greater than the held one; the player moves from the key held, not the move's old key.
local applied = 0
for i = 1, #ARGV, 3 do
  local player, key, revision = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  local held = redis.call('HGET', KEYS[2], player)
  local old, newer = '', true
  if held then
    local bar = string.find(held, '|', 1, true)
    newer = tonumber(revision) > tonumber(string.sub(held, 1, bar - 1))
    old = string.sub(held, bar + 1)
  end
  if newer then
    if old ~= key then
      if old ~= '' then redis.call('ZREM', KEYS[1], old) end
      if key ~= '' then redis.call('ZADD', KEYS[1], 0, key) end
    end
    redis.call('HSET', KEYS[2], player, revision .. '|' .. key)
    applied = applied + 1
  end
end
return applied
"""

TOP: Final = """#!lua flags=no-writes
-- KEYS: the sorted set. ARGV: the minimum ('-' or '(' .. a key), the limit.
-- Returns {position of the first - 1, keys below its score prefix, keys}.
local keys = redis.call('ZRANGE', KEYS[1], ARGV[1], '+', 'BYLEX', 'LIMIT', 0, ARGV[2])
if #keys == 0 then return {0, 0, keys} end
local below = redis.call('ZRANK', KEYS[1], keys[1])
local better = redis.call('ZLEXCOUNT', KEYS[1], '-', '(' .. string.sub(keys[1], 1, 16))
return {below, better, keys}
"""

AROUND: Final = """#!lua flags=no-writes
-- KEYS: the sorted set and held hash. ARGV: player, before, after.
-- Returns {position of the first - 1, keys below its score prefix, keys}.
local held = redis.call('HGET', KEYS[2], ARGV[1])
if not held then return {0, 0, {}} end
local key = string.sub(held, string.find(held, '|', 1, true) + 1)
if key == '' then return {0, 0, {}} end
local at = redis.call('ZRANK', KEYS[1], key)
if not at then return {0, 0, {}} end
local first = math.max(0, at - tonumber(ARGV[2]))
local keys = redis.call('ZRANGE', KEYS[1], first, at + tonumber(ARGV[3]))
local better = redis.call('ZLEXCOUNT', KEYS[1], '-', '(' .. string.sub(keys[1], 1, 16))
return {first, better, keys}
"""

RANKS_OF: Final = """#!lua flags=no-writes
-- KEYS: the sorted set and held hash. ARGV: players (each once).
-- Returns {key, position - 1, keys below its score prefix, ...} for each player holding a key.
local found = {}
for i = 1, #ARGV do
  local held = redis.call('HGET', KEYS[2], ARGV[i])
  if held then
    local key = string.sub(held, string.find(held, '|', 1, true) + 1)
    local at = key ~= '' and redis.call('ZRANK', KEYS[1], key)
    if at then
      local better = redis.call('ZLEXCOUNT', KEYS[1], '-', '(' .. string.sub(key, 1, 16))
      table.insert(found, key)
      table.insert(found, at)
      table.insert(found, better)
    end
  end
end
return found
"""


class _Script:
    """A Lua script run by ``EVALSHA`` (its digest, computed here: no load round trip), sent
    whole by ``EVAL`` when the server answers ``NOSCRIPT`` (which also caches it there)."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.sha = hashlib.sha1(source.encode(), usedforsecurity=False).hexdigest()


_APPLY, _TOP, _AROUND, _RANKS_OF = (_Script(s) for s in (APPLY, TOP, AROUND, RANKS_OF))


class ValkeyRankIndex:
    """The ``RankIndex`` port on a Valkey or Redis server (see the module docstring).

    ``url``: ``redis://host:port`` or ``rediss://...`` (TLS, as ElastiCache requires);
    ``cluster``: the endpoint is cluster-mode (ElastiCache Serverless is). The client is built
    from them on first use; tests and callers may pass their own ``client`` instead.
    ``namespace`` prefixes every key (several indexes may share a server). TLS verifies the
    server's certificate against the system's CAs (ElastiCache's are public) or ``ca_file``.
    ``timeout`` bounds connecting and each reply (seconds). A refused connection fails in
    tens of milliseconds; a server that never answers, after ``(RETRIES + 1) ** 2`` timeouts
    and the backoffs (about 2 s by default).
    """

    def __init__(
        self,
        url: str | None = None,
        *,
        client: Client | None = None,
        cluster: bool = False,
        namespace: str = "tap",
        ca_file: str | None = None,
        timeout: float = TIMEOUT_SECONDS,
    ) -> None:
        if (url is None) == (client is None):
            raise ValueError("give a url or a client, not both or neither")
        self._url = url
        self._given = client
        self._cluster = cluster
        self._ca_file = ca_file
        self._timeout = timeout
        self.namespace = namespace
        self.endpoint = _endpoint(url) if url is not None else _client_endpoint(client)

    @cached_property
    def _client(self) -> Client:
        if self._given is not None:
            return self._given
        assert self._url is not None  # noqa: S101 - the constructor checked it
        return _connect(self._url, self._cluster, self._ca_file, self._timeout)

    # -- keys ---------------------------------------------------------------------------

    def keys_of(self, page: PageId) -> tuple[str, str]:
        """The page's sorted set and held hash (one hash slot: the ``{...}`` tag)."""
        tag = f"{self.namespace}:rank:{{{page.board_id}/{page.period}}}"
        return f"{tag}:keys", f"{tag}:held"

    # -- writes -------------------------------------------------------------------------

    def apply(self, moves: Iterable[Move]) -> None:
        calls: list[Call] = []
        by_page: dict[PageId, list[str | int]] = {}
        for move in settle({}, moves):  # held is read by the script: here, the newest moves
            triple = (move.player_id, move.new_key or "", move.revision)
            by_page.setdefault(move.page, []).extend(triple)
        for page, args in by_page.items():
            keys = self.keys_of(page)
            for start in range(0, len(args), 3 * MOVES_PER_CALL):
                calls.append((_APPLY, keys, args[start : start + 3 * MOVES_PER_CALL]))
        if calls:
            self._pipelined(calls)

    # -- reads --------------------------------------------------------------------------

    def count_below(self, page: PageId, key: str) -> int:
        members, _ = self.keys_of(page)
        low, high = "-", f"({key}"
        # redis-py leaves zlexcount unannotated (7.4)
        return int(self._call(lambda c: c.zlexcount(members, low, high)))  # type: ignore[no-untyped-call]

    def top(self, page: PageId, limit: int, after: str | None = None) -> list[Placed]:
        if limit <= 0:
            return []
        members, _ = self.keys_of(page)
        low = "-" if after is None else f"({after}"
        return _window(self._run(_TOP, [members], [low, limit]))

    def around(self, page: PageId, player_id: str, before: int, after: int) -> list[Placed]:
        found = self._run(_AROUND, self.keys_of(page), [player_id, max(0, before), max(0, after)])
        return _window(found)

    def ranks_of(self, page: PageId, player_ids: Iterable[str]) -> list[Placed]:
        players = list(dict.fromkeys(player_ids))
        if not players:
            return []
        found = self._run(_RANKS_OF, self.keys_of(page), players)
        placed = [
            Placed(_text(found[at]), int(found[at + 2]) + 1, int(found[at + 1]) + 1)
            for at in range(0, len(found), 3)
        ]
        placed.sort(key=lambda row: row.position)
        return placed

    def count(self, page: PageId) -> int:
        members, _ = self.keys_of(page)
        return int(self._call(lambda c: c.zcard(members)))

    def held(self, page: PageId, player_ids: Iterable[str]) -> dict[str, Held]:
        """What the index holds for each named player (``NOTHING_HELD`` when never seen)."""
        players = list(dict.fromkeys(player_ids))
        if not players:
            return {}
        _, held = self.keys_of(page)
        values = self._call(lambda c: c.hmget(held, players))
        return {player: _held(value) for player, value in zip(players, values, strict=True)}

    # -- the server ---------------------------------------------------------------------

    def _call(self, command: Callable[[Client], Any]) -> Any:
        """``command(client)``, its failures raised as RankIndexUnavailable."""
        # imported on first use, as the client is: importing the module loads no redis
        from redis.exceptions import RedisClusterException, RedisError  # noqa: PLC0415

        try:
            return command(self._client)
        except (RedisError, RedisClusterException) as error:  # the cluster's is no RedisError
            raise self._unavailable(error) from error

    def _run(self, script: _Script, keys: Sequence[str], args: Sequence[str | int]) -> Any:
        """One script call: EVALSHA, or EVAL when the server does not hold the script."""
        from redis.exceptions import NoScriptError  # noqa: PLC0415

        def run(client: Client) -> Any:
            try:
                return client.evalsha(script.sha, len(keys), *keys, *args)
            except NoScriptError:
                return client.eval(script.source, len(keys), *keys, *args)

        return self._call(run)

    def _pipelined(self, calls: Sequence[Call]) -> None:
        """Script calls in one pipeline (one round trip); the calls a server answered
        ``NOSCRIPT`` (they ran nothing) are sent again as EVAL, in a second one."""
        from redis.exceptions import NoScriptError  # noqa: PLC0415

        def send(client: Client) -> None:
            todo = list(calls)
            for by_sha in (True, False):
                pipe = client.pipeline(transaction=False)
                for script, keys, args in todo:
                    # by name: redis-py's cluster pipeline refuses its evalsha() method, yet
                    # routes the command itself by its keys' slot
                    name, body = ("EVALSHA", script.sha) if by_sha else ("EVAL", script.source)
                    pipe.execute_command(name, body, len(keys), *keys, *args)
                results = pipe.execute(raise_on_error=False)
                failed = [r for r in results if isinstance(r, Exception)]
                if not failed:
                    return
                if not by_sha or not all(isinstance(r, NoScriptError) for r in failed):
                    raise failed[0]
                todo = [
                    call
                    for call, result in zip(todo, results, strict=True)
                    if isinstance(result, NoScriptError)
                ]

        self._call(send)

    def _unavailable(self, error: Exception) -> RankIndexUnavailable:
        return RankIndexUnavailable(
            f"the rank index at {self.endpoint} cannot answer: {type(error).__name__}: {error}"
        )


def _window(found: Sequence[Any]) -> list[Placed]:
    """Placed keys from a script's {position of the first - 1, keys below its score prefix,
    keys}: positions follow one another; a rank changes where the score prefix does."""
    first, better, keys = int(found[0]), int(found[1]), [_text(key) for key in found[2]]
    placed: list[Placed] = []
    rank, previous = better + 1, keys[0][:SCORE_PREFIX_LENGTH] if keys else ""
    for position, key in enumerate(keys, first + 1):
        if not key.startswith(previous):
            rank, previous = position, key[:SCORE_PREFIX_LENGTH]
        placed.append(Placed(key, rank, position))
    return placed


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _held(value: bytes | str | None) -> Held:
    if value is None:
        return NOTHING_HELD
    revision, _, key = _text(value).partition(_SEPARATOR)
    return Held(key or None, int(revision))


def _endpoint(url: str) -> str:
    """``scheme://host:port`` of ``url``, without its credentials or database."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname}:{parts.port or 6379}"


def _client_endpoint(client: Any) -> str:
    """Where a given client connects, as well as can be told (a cluster: its first node)."""
    kwargs = getattr(getattr(client, "connection_pool", None), "connection_kwargs", None)
    if kwargs is None:
        node = getattr(client, "get_default_node", lambda: None)()
        kwargs = {"host": getattr(node, "host", "?"), "port": getattr(node, "port", "?")}
    return f"{kwargs.get('host', '?')}:{kwargs.get('port', '?')}"


def _connect(url: str, cluster: bool, ca_file: str | None, timeout: float) -> Client:
    """A client of ``url`` with short timeouts and a bounded retry, connecting on first use
    (a cluster client reads the slot map when built: here, on the index's first call)."""
    from redis import Redis, RedisCluster  # noqa: PLC0415 - imported on first use
    from redis.backoff import ExponentialBackoff  # noqa: PLC0415
    from redis.retry import Retry  # noqa: PLC0415

    options: dict[str, Any] = {
        "socket_timeout": timeout,
        "socket_connect_timeout": timeout,
        "retry": Retry(ExponentialBackoff(cap=0.2, base=0.02), RETRIES),
        "health_check_interval": 30,
    }
    if ca_file is not None:
        options["ssl_ca_certs"] = ca_file
    if cluster:
        return RedisCluster.from_url(url, **options)
    return Redis.from_url(url, **options)
