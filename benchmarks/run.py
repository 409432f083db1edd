"""Ping benchmarks: the shim beside the clients it stands in for, in one run.

Run from a checkout, in a virtual environment with the ``sandbox`` extra (and
the official ``chartmogul`` library too, to include it)::

    python benchmarks/run.py

It starts one sandbox in its own process (``python -m chartmogul_compat
sandbox``) and prints a Markdown table: per-ping medians for each client,
16 threads sharing one client, cold import time and the peak memory of a
process doing 1,000 pings, each with its ratio to the reference measured in
the same run and the target from issue 6. Figures are only comparable within
one run; the ratios are what the targets judge. It takes under a minute.

Every client does what a caller of ``Ping.ping(config).get()`` needs: send
``GET /v1/ping`` with the key, read the whole answer and decode its JSON.
"""

from __future__ import annotations

import base64
import importlib
import importlib.util
import json
import os
import ssl
import statistics
import subprocess
import sys
import threading
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from http.client import HTTPSConnection
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter

import chartmogul_compat as cm

ROUNDS = 3
PINGS = 500  # per round, for each pooled client
OFFICIAL_PINGS = 100  # per round: the official library handshakes every time
THREADS = 16
PINGS_PER_THREAD = 50  # per round
IMPORT_RUNS = 7
MEMORY_PINGS = 1000
MEMORY_RUNS = 3
TIMEOUT = (10.0, 60.0)  # the shim's default, given to the raw clients too

Ping = Callable[[], object]

REFERENCE = "raw requests.Session.get"
OFFICIAL = "official chartmogul"


@dataclass(frozen=True)
class Sandbox:
    """Where the sandbox process listens, as its export lines say."""

    api_key: str
    base_url: str
    ca_bundle: str

    @property
    def ping_url(self) -> str:
        return self.base_url + "/v1/ping"


@dataclass(frozen=True)
class Row:
    """One line of the table; ``passed`` is None for a row without a target."""

    measure: str
    figure: str
    ratio: float | None = None
    target: str = ""
    passed: bool | None = None


# --- the clients --------------------------------------------------------------


def shim_legacy(sandbox: Sandbox) -> Ping:
    with warnings.catch_warnings():
        # Warned once, here at construction; the pings themselves never warn.
        warnings.simplefilter("ignore", cm.LegacyCredentialsWarning)
        # The legacy shape on purpose: it must cost the same per ping.
        config = cm.Config(  # type: ignore[deprecated]
            sandbox.api_key,
            sandbox.api_key,
            base_url=sandbox.base_url,
            ca_bundle=sandbox.ca_bundle,
        )
    return lambda: cm.Ping.ping(config).get()


def shim_modern(sandbox: Sandbox) -> Ping:
    config = cm.Config(
        sandbox.api_key, base_url=sandbox.base_url, ca_bundle=sandbox.ca_bundle
    )
    return lambda: cm.Ping.ping(config).get()


def raw_session(sandbox: Sandbox, pool_size: int = 10) -> Ping:
    """A hand-written ``requests`` client: one Session, Basic Auth, a timeout."""
    session = requests.Session()
    session.auth = (sandbox.api_key, "")
    session.verify = sandbox.ca_bundle
    # requests' default pool keeps 10 connections; 16 threads need 16.
    session.mount("https://", HTTPAdapter(pool_maxsize=pool_size))
    url = sandbox.ping_url

    def ping() -> object:
        response = session.get(url, timeout=TIMEOUT)
        response.raise_for_status()
        return response.json()

    return ping


def raw_http_client(sandbox: Sandbox) -> Ping:
    """The floor: one persistent ``http.client`` connection, no pool, no retries."""
    parts = urlsplit(sandbox.base_url)
    tls = ssl.create_default_context(cafile=sandbox.ca_bundle)
    connection = HTTPSConnection(
        parts.hostname or "", parts.port, timeout=TIMEOUT[1], context=tls
    )
    token = base64.b64encode(f"{sandbox.api_key}:".encode()).decode()
    headers = {"Authorization": f"Basic {token}"}

    def ping() -> object:
        connection.request("GET", "/v1/ping", headers=headers)
        response = connection.getresponse()
        body = response.read()
        if response.status != 200:
            raise RuntimeError(f"HTTP {response.status}")
        return json.loads(body)

    return ping


def official(sandbox: Sandbox) -> Ping | None:
    """The official library's own call, or None when it is not installed."""
    try:
        chartmogul: Any = importlib.import_module("chartmogul")
    except ImportError:
        return None
    config = chartmogul.Config(sandbox.api_key)
    # It has no base URL setting; `uri` is a class attribute it reads per call.
    # It trusts the sandbox's CA through REQUESTS_CA_BUNDLE (see main).
    config.uri = sandbox.base_url + "/v1"
    return lambda: chartmogul.Ping.ping(config).get()


# --- measuring ----------------------------------------------------------------


def seconds_per_ping(ping: Ping, count: int) -> float:
    started = time.perf_counter()
    for _ in range(count):
        ping()
    return (time.perf_counter() - started) / count


def sequential(clients: dict[str, tuple[Ping, int]]) -> dict[str, float]:
    """Median seconds per ping of each client, rounds interleaved.

    Interleaving spreads a noisy moment on the machine over every client
    instead of one.
    """
    for ping, _ in clients.values():
        seconds_per_ping(ping, 10)  # connect, handshake, fill caches

    samples: dict[str, list[float]] = {name: [] for name in clients}
    for _ in range(ROUNDS):
        for name, (ping, count) in clients.items():
            samples[name].append(seconds_per_ping(ping, count))
    return {name: statistics.median(values) for name, values in samples.items()}


def threaded(ping: Ping) -> tuple[float, int]:
    """Pings per second of `THREADS` threads sharing ``ping``, and its errors."""
    errors = 0
    lock = threading.Lock()
    start = threading.Barrier(THREADS + 1)

    def work() -> None:
        nonlocal errors
        start.wait()
        for _ in range(PINGS_PER_THREAD):
            try:
                ping()
            except Exception:  # counted, reported in the table
                with lock:
                    errors += 1

    threads = [threading.Thread(target=work) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    start.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    return THREADS * PINGS_PER_THREAD / elapsed, errors


def threaded_rounds(clients: dict[str, Ping]) -> dict[str, tuple[float, int]]:
    """Median pings per second of each client, and its errors over all rounds."""
    for ping in clients.values():
        threaded(ping)  # open the pool's connections

    rates: dict[str, list[float]] = {name: [] for name in clients}
    errors = dict.fromkeys(clients, 0)
    for _ in range(ROUNDS):
        for name, ping in clients.items():
            rate, failed = threaded(ping)
            rates[name].append(rate)
            errors[name] += failed
    return {name: (statistics.median(rates[name]), errors[name]) for name in clients}


def fresh_python_environment() -> dict[str, str]:
    # This machine sets PYTHONDONTWRITEBYTECODE=1; without cached bytecode
    # every cold import would compile from source, which no installed
    # package does.
    environ = dict(os.environ)
    environ.pop("PYTHONDONTWRITEBYTECODE", None)
    return environ


def import_ms(modules: Sequence[str]) -> dict[str, float]:
    """Median cumulative ``-X importtime`` of each module in fresh processes."""
    environ = fresh_python_environment()
    for module in modules:
        # Writes the bytecode caches the measured runs read.
        subprocess.run(
            [sys.executable, "-c", f"import {module}"], env=environ, check=True
        )

    samples: dict[str, list[float]] = {module: [] for module in modules}
    for _ in range(IMPORT_RUNS):
        for module in modules:
            samples[module].append(_one_import_ms(module, environ))
    return {module: statistics.median(values) for module, values in samples.items()}


def _one_import_ms(module: str, environ: dict[str, str]) -> float:
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"import {module}"],
        env=environ,
        capture_output=True,
        text=True,
        check=True,
    )
    # "import time: <self us> | <cumulative us> | <name>"; the top-level line
    # for the module is the one whose name is not indented.
    for line in done.stderr.splitlines():
        fields = line.split("|")
        if len(fields) == 3 and fields[2].rstrip() == f" {module}":
            return int(fields[1]) / 1000
    raise RuntimeError(f"-X importtime printed no line for {module}")


# The 1,000-ping processes import only what their client needs, so that
# neither is charged for the other's modules. The sandbox is in the
# environment, as `chartmogul-compat sandbox` exports it.
MEMORY_CHILDREN = {
    "shim": """
import os
import chartmogul_compat as cm
config = cm.Config(
    os.environ["CHARTMOGUL_API_KEY"],
    base_url=os.environ["CHARTMOGUL_BASE_URL"],
    ca_bundle=os.environ["CHARTMOGUL_CA_BUNDLE"],
)
for _ in range({pings}):
    cm.Ping.ping(config).get()
""",
    "requests": """
import os
import requests
session = requests.Session()
session.auth = (os.environ["CHARTMOGUL_API_KEY"], "")
session.verify = os.environ["CHARTMOGUL_CA_BUNDLE"]
url = os.environ["CHARTMOGUL_BASE_URL"] + "/v1/ping"
for _ in range({pings}):
    response = session.get(url, timeout=(10, 60))
    response.raise_for_status()
    response.json()
""",
}

# Peak RSS in KiB. Not getrusage's ru_maxrss: Linux carries the maximum of
# the pre-exec process into it, and subprocess forks (vfork) from this
# process, so every child would report at least this process's size.
# VmHWM is the high-water mark of the child's own memory since exec.
PRINT_PEAK_RSS = """
with open("/proc/self/status") as status:
    for line in status:
        if line.startswith("VmHWM:"):
            print(line.split()[1])
"""


def peak_rss_mib(client: str, sandbox: Sandbox) -> float:
    """Median peak RSS of fresh processes that each do `MEMORY_PINGS` pings."""
    environ = fresh_python_environment()
    environ.update(
        CHARTMOGUL_API_KEY=sandbox.api_key,
        CHARTMOGUL_BASE_URL=sandbox.base_url,
        CHARTMOGUL_CA_BUNDLE=sandbox.ca_bundle,
    )
    program = MEMORY_CHILDREN[client].format(pings=MEMORY_PINGS) + PRINT_PEAK_RSS
    samples = []
    for _ in range(MEMORY_RUNS):
        done = subprocess.run(
            [sys.executable, "-c", program],
            env=environ,
            capture_output=True,
            text=True,
            check=True,
        )
        samples.append(int(done.stdout) / 1024)
    return statistics.median(samples)


# --- the sandbox and the report -----------------------------------------------


@contextmanager
def sandbox_process() -> Iterator[Sandbox]:
    """``python -m chartmogul_compat sandbox``, stopped on the way out."""
    process = subprocess.Popen(
        [sys.executable, "-m", "chartmogul_compat", "sandbox"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        exported = {}
        for _ in range(3):
            line = process.stdout.readline().strip()
            if not line.startswith("export "):
                raise SystemExit(
                    "the sandbox did not start; run `python -m chartmogul_compat "
                    "sandbox` to see why (is the sandbox extra installed?)"
                )
            name, _, value = line.removeprefix("export ").partition("=")
            exported[name] = value
        yield Sandbox(
            exported["CHARTMOGUL_API_KEY"],
            exported["CHARTMOGUL_BASE_URL"],
            exported["CHARTMOGUL_CA_BUNDLE"],
        )
    finally:
        process.terminate()
        process.wait(10)


def print_table(rows: list[Row]) -> None:
    print("| measure | figure | ratio | target | result |")
    print("|---|---|---|---|---|")
    for row in rows:
        ratio = "" if row.ratio is None else f"{row.ratio:.2f}x"
        result = {True: "pass", False: "MISS", None: ""}[row.passed]
        print(f"| {row.measure} | {row.figure} | {ratio} | {row.target} | {result} |")


def ping_rows(sandbox: Sandbox) -> list[Row]:
    clients = {
        "shim, legacy Config(token, secret)": (shim_legacy(sandbox), PINGS),
        "shim, modern Config(api_key)": (shim_modern(sandbox), PINGS),
        REFERENCE: (raw_session(sandbox), PINGS),
        "raw http.client.HTTPSConnection": (raw_http_client(sandbox), PINGS),
    }
    official_ping = official(sandbox)
    if official_ping is not None:
        clients[OFFICIAL] = (official_ping, OFFICIAL_PINGS)

    per_ping = sequential(clients)
    reference = per_ping[REFERENCE]
    slower_shim = max(seconds for name, seconds in per_ping.items() if "shim" in name)

    rows = []
    for name, seconds in per_ping.items():
        ratio = seconds / reference
        figure = f"{seconds * 1000:.3f} ms"
        if "shim" in name:
            rows.append(Row(f"ping: {name}", figure, ratio, "≤ 0.90x", ratio <= 0.90))
        elif name == OFFICIAL:
            speedup = seconds / slower_shim
            target = f"≥ 3x the slower shim (is {speedup:.1f}x)"
            rows.append(Row(f"ping: {name}", figure, ratio, target, speedup >= 3))
        else:
            rows.append(Row(f"ping: {name}", figure, ratio))
    if official_ping is None:
        rows.append(Row(f"ping: {OFFICIAL}", "not installed"))
    return rows


def thread_rows(sandbox: Sandbox) -> list[Row]:
    shared = threaded_rounds(
        {
            "shim": shim_modern(sandbox),
            "requests": raw_session(sandbox, pool_size=THREADS),
        }
    )
    shim_rate, shim_errors = shared["shim"]
    raw_rate, raw_errors = shared["requests"]
    ratio = shim_rate / raw_rate
    return [
        Row(
            f"{THREADS} threads sharing one shim Config",
            f"{shim_rate:.0f} pings/s, {shim_errors} errors",
            ratio,
            "≥ 0.90x, 0 errors",
            ratio >= 0.90 and shim_errors == 0,
        ),
        Row(
            f"{THREADS} threads sharing one requests.Session",
            f"{raw_rate:.0f} pings/s, {raw_errors} errors",
            1.0,
        ),
    ]


def import_rows() -> list[Row]:
    modules = ["chartmogul_compat", "requests"]
    if importlib.util.find_spec("chartmogul") is not None:
        modules.append("chartmogul")
    imports = import_ms(modules)

    rows = []
    for module in modules:
        ratio = imports[module] / imports["requests"]
        measure, figure = f"import {module}", f"{imports[module]:.1f} ms"
        if module == "chartmogul_compat":
            rows.append(Row(measure, figure, ratio, "≤ 0.20x", ratio <= 0.20))
        else:
            rows.append(Row(measure, figure, ratio))
    return rows


def memory_rows(sandbox: Sandbox) -> list[Row]:
    shim = peak_rss_mib("shim", sandbox)
    raw = peak_rss_mib("requests", sandbox)
    measure = f"peak RSS of {MEMORY_PINGS:,} pings"
    return [
        Row(
            f"{measure}: shim",
            f"{shim:.1f} MiB",
            shim / raw,
            "≤ 1.10x",
            shim <= 1.1 * raw,
        ),
        Row(f"{measure}: raw requests.Session", f"{raw:.1f} MiB", 1.0),
    ]


def main() -> int:
    # Loopback needs no proxy, and the official library can only be told to
    # trust the sandbox's CA through REQUESTS_CA_BUNDLE. The shim gets the CA
    # as ca_bundle, which wins over the variable anyway.
    for name in (
        "HTTPS_PROXY",
        "https_proxy",
        "ALL_PROXY",
        "all_proxy",
        "CURL_CA_BUNDLE",
    ):
        os.environ.pop(name, None)

    with sandbox_process() as sandbox:
        os.environ["REQUESTS_CA_BUNDLE"] = sandbox.ca_bundle
        started = time.perf_counter()
        rows = [
            *ping_rows(sandbox),
            *thread_rows(sandbox),
            *import_rows(),
            *memory_rows(sandbox),
        ]
        elapsed = time.perf_counter() - started

    print_table(rows)
    print(
        f"\n{sys.version.split()[0]}, requests {requests.__version__}, "
        f"{os.cpu_count()} CPUs, {elapsed:.0f} s"
    )
    return 0 if all(row.passed is not False for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
