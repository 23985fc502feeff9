"""The bundled Exotel simulator: the ExoPhone endpoints of the seeds over real
HTTP on loopback, for the local run, the tests and the benchmarks. No Django.

- server: routing, auth and the replies (ExotelSimulator);
- faults: injected faults, latency, the rate limit and the request counters;
- state: the accounts and their numbers as tests change them;
- data: the generated numbers and their connectivity;
- transport: the threading HTTP/1.1 server.
"""

from exoinventory.simulator.server import (
    DEFAULT_ACCOUNT,
    DEFAULT_KEY,
    DEFAULT_TOKEN,
    MAX_PAGE_SIZE,
    PAGE_URI_HOST,
    ExotelSimulator,
)

__all__ = [
    "DEFAULT_ACCOUNT",
    "DEFAULT_KEY",
    "DEFAULT_TOKEN",
    "MAX_PAGE_SIZE",
    "PAGE_URI_HOST",
    "ExotelSimulator",
]
