"""Admission control keeps in-flight requests within the connection pool."""

from __future__ import annotations

import asyncio

from app.core.limits import InFlightLimit


def test_no_more_requests_in_flight_than_the_limit():
    running = 0
    peak = 0

    async def app(scope, receive, send):
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0.01)
        running -= 1

    limited = InFlightLimit(app, limit=3)

    async def main():
        scope = {"type": "http", "path": "/v1/me"}
        await asyncio.gather(*(limited(scope, None, None) for _ in range(20)))
        probes = {"type": "http", "path": "/healthz"}
        await asyncio.gather(*(limited(probes, None, None) for _ in range(10)))

    asyncio.run(main())
    assert peak == 10  # the probes alone were not held back
    running = peak = 0

    async def again():
        await asyncio.gather(
            *(limited({"type": "http", "path": "/v1/me"}, None, None) for _ in range(20))
        )

    asyncio.run(again())
    assert peak == 3
