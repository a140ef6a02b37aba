"""Do the row work (normalize, match keys, tokens, signal JSON) here or on worker processes.

Small exports run in-process. From ``parallel_threshold`` rows on, chunks of rows go to a
process pool, one worker per core, a bounded number of chunks in flight, results in row order.
The ``hmac`` scheme reaches the workers through the pool's initializer (inherited on fork, or sent
over the pool's pipe): the secret is never written to disk nor put on a command line. A remote
scheme (``oprf``) stays in this process: workers return match keys and this process asks the key
service for the tokens, one request per many keys.
"""

from __future__ import annotations

import gc
import itertools
import multiprocessing
import os
import signal
import threading
from collections import Counter, deque
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.context import BaseContext
from typing import NamedTuple

from client import kinds, wire
from client.collector import no_cyclic_gc
from client.errors import ClientError
from client.plan import RowPlan
from client.schemes.base import MatchKey, Scheme
from client.signals import Encoder, Rejection, RowReader, RowSignal

Chunk = list[tuple[int, tuple[str, ...]]]


class ChunkResult(NamedTuple):
    """What a chunk of rows became; signals are JSON texts, in the order of origins."""

    rows: int
    origins: list[tuple[str, int, str | None]]
    signals: list[str]
    rejected: list[Rejection]
    skipped: list[Rejection]
    identifiers: Counter[str]
    pending: list[RowSignal]
    assumed_dutch: int
    #: per signal, its number of tokens of each mapped kind (in the order of ``kind_marks``)
    kind_tokens: list[tuple[int, ...]]


def kind_marks(plan: RowPlan) -> tuple[list[str], list[str]]:
    """Return the kinds a plan maps, in registry order, and the text that marks each kind's
    token items in a signal's JSON (``wire.kind_mark``)."""
    mapped = {kind for _, _, kind, _ in plan.identifiers}
    names = [kind for kind in kinds.names() if kind in mapped]
    return names, [wire.kind_mark(kind) for kind in names]


def counted(result: ChunkResult, marks: list[str]) -> ChunkResult:
    """Count each signal's tokens per kind where the signals are written (on a worker, not in
    the process that writes the batches): exact, since each token item names its kind once."""
    return result._replace(
        kind_tokens=[tuple(map(signal.count, marks)) for signal in result.signals]
    )


def token_texts(tokens: list[bytes]) -> list[str]:
    """Return the wire text of each token; refuse a scheme's token of the wrong length."""
    try:
        return wire.encode_tokens(tokens)
    except ValueError:
        raise ClientError(
            f"the scheme returned a token that is not {wire.TOKEN_BYTES} bytes"
        ) from None


def tokenize(result: ChunkResult, scheme: Scheme, marks: list[str]) -> ChunkResult:
    """Compute the tokens of a chunk's pending rows in one call and write their signals.

    A signal's JSON is written field for field as pydantic writes a wire.SignalItem.
    """
    keys: list[MatchKey] = [key for row in result.pending for key in row.keys]
    tokens = scheme.tokenize(keys)
    if len(tokens) != len(keys):
        raise ClientError("the scheme returned a different number of tokens than keys")
    texts = token_texts(tokens)
    refs = wire.new_refs(len(result.pending))
    # Every token item of the chunk in one pass (cheaper than a small list per row); each row
    # then joins its slice, since a row's prefixes are in the order of its keys.
    prefixes = [prefix for row in result.pending for prefix in row.prefixes]
    items = wire.token_items_json(prefixes, texts)
    metadata: dict[tuple[object, ...], str] = {}  # few distinct (category, dates) per chunk
    start = 0
    for ref, row in zip(refs, result.pending, strict=True):
        end = start + len(row.keys)
        shared = (row.category, row.observed_on, row.retain_until)
        middle = metadata.get(shared) or metadata.setdefault(
            shared, wire.signal_metadata_json(row.category, row.observed_on, row.retain_until)
        )
        result.origins.append((ref, row.row, row.case_number))
        result.signals.append(wire.signal_json(ref, middle, items[start:end]))
        start = end
    return counted(result._replace(pending=[]), marks)


def item_encoder(scheme: Scheme) -> Encoder:
    """Return what writes an identifier's token items with a scheme computed in this process.

    ``hmac`` tokens are made per identifier (``HmacScheme.tokenize_values``: no MatchKey per
    key); the reader remembers them per cell and canonical value, so a repeated operator or
    address costs one dictionary lookup instead of its normalization, near keys and MACs.
    """
    tokenize_values = getattr(scheme, "tokenize_values", None)

    def encode(kind: str, keys: list[tuple[str, str]], prefixes: Mapping[str, str]) -> str:
        if tokenize_values is not None:
            tokens: list[bytes] = tokenize_values(kind, keys)
        else:
            tokens = scheme.tokenize([MatchKey(kind, level, value) for level, value in keys])
        if len(tokens) != len(keys):
            raise ClientError("the scheme returned a different number of tokens than keys")
        try:
            return wire.token_items_text(keys, prefixes, tokens)
        except ValueError:
            raise ClientError(
                f"the scheme returned a token that is not {wire.TOKEN_BYTES} bytes"
            ) from None

    return encode


def local(scheme: Scheme) -> bool:
    """Say whether a scheme computes tokens in this process (``hmac``), not at a key service."""
    return scheme.name is wire.SchemeName.HMAC


def written(result: ChunkResult, marks: list[str]) -> ChunkResult:
    """Write the signals of a chunk whose rows hold their token items already."""
    refs = wire.new_refs(len(result.pending))
    metadata: dict[tuple[object, ...], str] = {}  # few distinct (category, dates) per chunk
    signal_json = wire.signal_json
    origins = result.origins
    signals = result.signals
    for ref, row in zip(refs, result.pending, strict=True):
        shared = (row.category, row.observed_on, row.retain_until)
        middle = metadata.get(shared) or metadata.setdefault(
            shared, wire.signal_metadata_json(row.category, row.observed_on, row.retain_until)
        )
        origins.append((ref, row.row, row.case_number))
        signals.append(signal_json(ref, middle, row.items))
    return counted(result._replace(pending=[]), marks)


class ChunkWorker:
    """Read chunks of rows under one plan; tokenize too when given a scheme.

    A local scheme's tokens are written as each row is read; a remote scheme is asked once
    per chunk for the keys of all its rows.
    """

    def __init__(self, plan: RowPlan, scheme: Scheme | None) -> None:
        encoder = item_encoder(scheme) if scheme is not None and local(scheme) else None
        self._reader = RowReader(plan, encoder)
        self._scheme = scheme if encoder is None else None
        self._encoded = encoder is not None
        self._marks = kind_marks(plan)[1]

    def __call__(self, chunk: Chunk) -> ChunkResult:
        with no_cyclic_gc():
            return self._process(chunk)

    def _process(self, chunk: Chunk) -> ChunkResult:
        pending: list[RowSignal] = []
        rejected: list[Rejection] = []
        skipped: list[Rejection] = []
        identifiers: Counter[str] = Counter()
        reader = self._reader
        reader.assumed_dutch = 0
        read = reader.read
        for number, cells in chunk:
            outcome = read(number, cells, skipped)
            if isinstance(outcome, list):
                rejected.extend(outcome)
            else:
                pending.append(outcome)
                identifiers.update(outcome.identifiers)
        result = ChunkResult(
            len(chunk), [], [], rejected, skipped, identifiers, pending, reader.assumed_dutch, []
        )
        if self._scheme is not None:
            return tokenize(result, self._scheme, self._marks)
        return written(result, self._marks) if self._encoded else result


_worker: ChunkWorker | None = None


def _start_worker(plan: RowPlan, scheme: Scheme | None) -> None:
    global _worker
    # Ctrl-C is the parent's to handle: it stops the pool; workers print no tracebacks.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    gc.enable()  # a fork inherits the parent's paused collector; each chunk pauses it again
    _worker = ChunkWorker(plan, scheme)


def _work(chunk: Chunk) -> ChunkResult:
    if _worker is None:
        raise RuntimeError("worker not started")
    return _worker(chunk)


def available_cores() -> int:
    """Return the cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return max(len(os.sched_getaffinity(0)), 1)
    return os.cpu_count() or 1


def _context() -> BaseContext:
    # fork is fast and safe while this process has one thread; otherwise start clean workers.
    if "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("forkserver")


def chunk_results(
    chunks: Iterable[Chunk],
    *,
    plan: RowPlan,
    scheme: Scheme,
    workers: int | None,
    parallel_threshold: int,
) -> Iterator[ChunkResult]:
    """Yield each chunk's result in order, on worker processes once the export is large."""
    workers = workers or available_cores()
    chunks = iter(chunks)
    buffered: list[Chunk] = []
    seen = 0
    for chunk in chunks:
        buffered.append(chunk)
        seen += len(chunk)
        if workers > 1 and seen >= parallel_threshold:
            break
    else:
        work = ChunkWorker(plan, scheme)
        for chunk in buffered:
            yield work(chunk)
        return
    yield from _pooled(
        itertools.chain(buffered, chunks), plan, scheme, scheme if local(scheme) else None, workers
    )


def _pooled(
    chunks: Iterator[Chunk],
    plan: RowPlan,
    scheme: Scheme,
    worker_scheme: Scheme | None,
    workers: int,
) -> Iterator[ChunkResult]:
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=_context(),
        initializer=_start_worker,
        initargs=(plan, worker_scheme),
    )
    pending: deque[Future[ChunkResult]] = deque()
    marks = kind_marks(plan)[1]
    try:
        for chunk in chunks:
            pending.append(pool.submit(_work, chunk))
            if len(pending) > 2 * workers:
                yield _finished(pending.popleft(), scheme, marks)
        while pending:
            yield _finished(pending.popleft(), scheme, marks)
    except BrokenProcessPool:
        raise ClientError(
            "a worker process stopped unexpectedly (out of memory?); run with one worker"
            " (--workers 1, or workers=1)"
        ) from None
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _finished(future: Future[ChunkResult], scheme: Scheme, marks: list[str]) -> ChunkResult:
    result = future.result()
    return tokenize(result, scheme, marks) if result.pending else result
