"""A cheap asyncio HTTP/1.1 keep-alive load generator, for servers on 127.0.0.1 only.

The client shares two cores with the server it measures, so each request costs
as little Python as possible: requests are prebuilt bytes, responses are parsed
just enough (status, Content-Length or chunked body, Connection: close), and
there are no per-request timers; a watchdog cancels whatever is still in flight
when the run's deadline has passed.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import Counter
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

LOCAL_HOST = "127.0.0.1"
MAX_ERROR_SAMPLES = 8

RequestFactory = Callable[[], bytes]
CpuProbe = Callable[[], float | None]
T = TypeVar("T")


class ProtocolError(Exception):
    """The server answered something this small client does not understand."""


@dataclass(frozen=True, slots=True)
class Response:
    status: int
    head: bytes  # status line and headers, as received
    body: bytes

    def header(self, name: str) -> str | None:
        needle = f"\r\n{name.lower()}:".encode()
        lower = self.head.lower()
        i = lower.find(needle)
        if i < 0:
            return None
        j = lower.find(b"\r\n", i + len(needle))
        return self.head[i + len(needle) : j].decode("latin-1").strip()


def build_request(
    method: str,
    path: str,
    port: int,
    *,
    headers: Sequence[tuple[str, str]] = (),
    body: bytes | None = None,
) -> bytes:
    """One HTTP/1.1 request as bytes (JSON body when given)."""
    lines = [f"{method} {path} HTTP/1.1", f"Host: {LOCAL_HOST}:{port}"]
    lines += [f"{k}: {v}" for k, v in headers]
    if body is not None:
        lines += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + (body or b"")


async def read_response(reader: asyncio.StreamReader) -> tuple[Response, bool]:
    """The next response on the connection, and whether the connection stays open."""
    head = await reader.readuntil(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.") or len(head) < 12:
        raise ProtocolError(f"not an HTTP/1.x status line: {head[:40]!r}")
    status = int(head[9:12])
    lower = head.lower()
    i = lower.find(b"\r\ncontent-length:")
    if i >= 0:
        j = lower.index(b"\r\n", i + 17)
        length = int(lower[i + 17 : j])
        body = await reader.readexactly(length) if length else b""
    elif b"\r\ntransfer-encoding: chunked" in lower:
        body = await _read_chunked(reader)
    elif status in (204, 304) or 100 <= status < 200:
        body = b""
    else:
        raise ProtocolError("response has neither Content-Length nor chunked encoding")
    keep_alive = b"\r\nconnection: close" not in lower
    return Response(status, head, body), keep_alive


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    parts: list[bytes] = []
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
        if size == 0:
            while await reader.readuntil(b"\r\n") != b"\r\n":
                pass  # trailers
            return b"".join(parts)
        parts.append(await reader.readexactly(size))
        await reader.readexactly(2)


def _check_local(host: str) -> None:
    if host != LOCAL_HOST:
        raise ValueError(f"the load generator only targets {LOCAL_HOST}, not {host!r}")


async def fetch(
    port: int,
    method: str,
    path: str,
    *,
    headers: Sequence[tuple[str, str]] = (),
    body: bytes | None = None,
    timeout: float = 30.0,
    host: str = LOCAL_HOST,
) -> Response:
    """One request on a fresh connection (setup steps, health checks)."""
    _check_local(host)

    async def go() -> Response:
        reader, writer = await asyncio.open_connection(host, port)
        try:
            writer.write(build_request(method, path, port, headers=headers, body=body))
            await writer.drain()
            response, _ = await read_response(reader)
            return response
        finally:
            writer.close()

    return await asyncio.wait_for(go(), timeout)


def succeeded(status: int) -> bool:
    """2xx, or 304: the client's copy is still current (a conditional GET answered)."""
    return 200 <= status < 300 or status == 304


@dataclass
class _Tally:
    t0: float  # measurement window start (perf_counter)
    t1: float  # measurement window end
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    transport_errors: int = 0
    warmup_requests: int = 0
    warmup_errors: int = 0
    error_samples: Counter[str] = field(default_factory=Counter)  # distinct failures, counted

    def response(self, started: float, done: float, response: Response) -> None:
        ok = succeeded(response.status)
        if done < self.t0:
            self.warmup_requests += 1
            if not ok:
                self.warmup_errors += 1
                self._sample(f"(warm-up) {response.status} {response.body[:300]!r}")
            return
        if done >= self.t1:
            return  # finished after the window: neither counted nor timed
        self.latencies.append(done - started)
        self.statuses[response.status] += 1
        if not ok:
            self._sample(f"{response.status} {response.body[:300]!r}")

    def failure(self, done: float, exc: BaseException) -> None:
        if done < self.t0:
            self.warmup_errors += 1
        elif done < self.t1:
            self.transport_errors += 1
        self._sample(f"{type(exc).__name__}: {exc}")

    def _sample(self, text: str) -> None:
        if text in self.error_samples or len(self.error_samples) < MAX_ERROR_SAMPLES:
            self.error_samples[text] += 1


@dataclass(frozen=True)
class LoadResult:
    concurrency: int
    warmup_s: float
    window_s: float
    requests: int  # responses completed inside the window
    ok: int  # of which 2xx
    statuses: dict[str, int]
    transport_errors: int  # connection failures inside the window
    unfinished: int  # requests still in flight at the deadline, cancelled
    warmup_requests: int
    warmup_errors: int
    rps: float  # 2xx responses per second of the window
    latency_ms: dict[str, float]  # over every response completed in the window
    server_cpu_s: float | None
    server_cpu_ms_per_request: float | None
    client_cpu_s: float
    error_samples: list[str]  # distinct failures, most frequent first, "<count>x <what>"
    offered_rps: float | None = None  # the paced rate asked for; None: as fast as served

    @property
    def errors(self) -> int:
        return self.requests - self.ok + self.transport_errors + self.unfinished

    def as_dict(self) -> dict[str, Any]:
        data = {k: getattr(self, k) for k in self.__dataclass_fields__}
        data["errors"] = self.errors
        return data


def percentiles(samples: Sequence[float]) -> dict[str, float]:
    """Nearest-rank percentiles of latencies given in seconds, reported in milliseconds."""
    if not samples:
        return {}
    ordered = sorted(samples)
    n = len(ordered)

    def rank(p: float) -> float:
        return ordered[max(0, math.ceil(p / 100 * n) - 1)] * 1000

    return {
        "p50": rank(50),
        "p90": rank(90),
        "p99": rank(99),
        "max": ordered[-1] * 1000,
        "mean": sum(ordered) / n * 1000,
    }


class _Pacer:
    """Hands out send times `1 / rate` apart: the workers together offer `rate`
    requests a second (a worker whose slot has passed sends at once)."""

    def __init__(self, rate: float, start: float) -> None:
        self.gap, self.next = 1.0 / rate, start

    async def wait(self) -> None:
        slot, self.next = self.next, self.next + self.gap
        await asyncio.sleep(max(0.0, slot - time.perf_counter()))


async def _worker(
    host: str, port: int, make_request: RequestFactory, tally: _Tally, pacer: _Pacer | None
) -> None:
    clock = time.perf_counter
    reader: asyncio.StreamReader | None = None
    writer: asyncio.StreamWriter | None = None
    try:
        while clock() < tally.t1:
            if pacer is not None:
                await pacer.wait()
                if clock() >= tally.t1:
                    break
            if reader is None or writer is None:
                try:
                    reader, writer = await asyncio.open_connection(host, port)
                except OSError as exc:
                    tally.failure(clock(), exc)
                    await asyncio.sleep(0.05)
                    continue
            request = make_request()
            started = clock()
            try:
                writer.write(request)
                response, keep_alive = await read_response(reader)
            except (
                OSError,
                EOFError,
                asyncio.IncompleteReadError,
                ProtocolError,
                ValueError,
            ) as exc:
                tally.failure(clock(), exc)
                writer.close()
                reader = writer = None
                continue
            tally.response(started, clock(), response)
            if not keep_alive:
                writer.close()
                reader = writer = None
    finally:
        if writer is not None:
            writer.close()


async def _probe_at(when: float, probe: CpuProbe) -> float | None:
    await asyncio.sleep(max(0.0, when - time.perf_counter()))
    return probe()


async def run_load(
    port: int,
    make_request: RequestFactory,
    *,
    concurrency: int,
    warmup: float,
    duration: float,
    grace: float = 15.0,
    cpu_probe: CpuProbe | None = None,
    host: str = LOCAL_HOST,
    rate: float | None = None,
) -> LoadResult:
    """Keep `concurrency` connections busy; measure what completes in the window.

    The window opens `warmup` seconds after start and lasts `duration` seconds.
    Workers stop sending when it closes; requests still in flight `grace`
    seconds later are cancelled and counted as unfinished. With `rate`, the
    connections together send that many requests a second, evenly spaced, instead
    of as fast as they are answered: the same offered load for two set-ups.
    """
    _check_local(host)
    if concurrency < 1 or duration <= 0 or warmup < 0 or (rate is not None and rate <= 0):
        raise ValueError("concurrency >= 1, duration > 0, warmup >= 0 and rate > 0 are required")
    client_cpu = time.process_time()
    start = time.perf_counter()
    tally = _Tally(t0=start + warmup, t1=start + warmup + duration)
    probes: list[asyncio.Task[float | None]] = []
    if cpu_probe is not None:
        probes = [asyncio.create_task(_probe_at(t, cpu_probe)) for t in (tally.t0, tally.t1)]
    pacer = _Pacer(rate, start) if rate is not None else None
    workers = [
        asyncio.create_task(_worker(host, port, make_request, tally, pacer))
        for _ in range(concurrency)
    ]
    done, pending = await asyncio.wait(workers, timeout=tally.t1 - time.perf_counter() + grace)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    for task in done:
        task.result()  # a bug in the client must not pass for a measurement
    cpu = [await p for p in probes]
    before, after = cpu if len(cpu) == 2 else (None, None)
    server_cpu = after - before if before is not None and after is not None else None
    requests = sum(tally.statuses.values())
    ok = sum(n for status, n in tally.statuses.items() if succeeded(status))
    return LoadResult(
        concurrency=concurrency,
        warmup_s=warmup,
        window_s=duration,
        requests=requests,
        ok=ok,
        statuses={str(k): v for k, v in sorted(tally.statuses.items())},
        transport_errors=tally.transport_errors,
        unfinished=len(pending),
        warmup_requests=tally.warmup_requests,
        warmup_errors=tally.warmup_errors,
        rps=ok / duration,
        latency_ms=percentiles(tally.latencies),
        server_cpu_s=server_cpu,
        server_cpu_ms_per_request=(
            server_cpu / requests * 1000 if server_cpu and requests else None
        ),
        client_cpu_s=time.process_time() - client_cpu,
        error_samples=[f"{n}x {text}" for text, n in tally.error_samples.most_common()],
        offered_rps=rate,
    )


def run_async(coro: Coroutine[Any, Any, T]) -> T:
    """Run on uvloop when it is installed (uvicorn[standard] brings it): a cheaper client."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coro)
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(coro)
