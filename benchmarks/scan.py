"""How fast ``chartmogul-compat scan`` is beside ``grep -r`` on the same tree.

Builds a synthetic tree of 5,000 Python files (a handful with findings) in a
temporary folder, then times, in the same run and alternately, the
``chartmogul-compat scan`` console script as a user runs it and
``grep -rlE 'Config|CHARTMOGUL_|chartmogul'``, and prints the median wall
time of each and their ratio. The target is a ratio of 8 or less.

Run it from the environment where the package is installed::

    python benchmarks/scan.py            # 5,000 files, 9 runs each
    python benchmarks/scan.py --files 20000 --runs 5

Wall times on a shared machine move with its load; compare the ratio, and
rerun when other work is busy.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

# An ordinary module, about 1.5 KB, that mentions nothing the scan looks for.
PLAIN_MODULE = '''"""Module {index}: helpers for the reports."""

from __future__ import annotations

import os
from typing import Any


class Report{index}:
    """Collects rows and renders them."""

    def __init__(self, rows: list[dict[str, Any]]) -> None:
        self.rows = rows

    def total(self, field: str) -> float:
        return sum(float(row.get(field, 0)) for row in self.rows)

    def render(self) -> str:
        lines = [", ".join(f"{{k}}={{v}}" for k, v in row.items()) for row in self.rows]
        return os.linesep.join(lines)


def build(rows: list[dict[str, Any]]) -> Report{index}:
    return Report{index}(rows)
'''

LEGACY_MODULE = """import os

import chartmogul

config = chartmogul.Config(os.environ["CHARTMOGUL_ACCOUNT_TOKEN"], SECRET_KEY)
"""

SCAN_COMMAND = "chartmogul-compat"


def build_tree(root: str, files: int, with_findings: int) -> None:
    """``files`` modules in folders of 100, every n-th one with findings."""
    step = max(files // max(with_findings, 1), 1)
    for index in range(files):
        folder = os.path.join(root, f"package{index // 100}", "sub")
        os.makedirs(folder, exist_ok=True)
        legacy = index % step == step - 1 and index // step < with_findings
        text = LEGACY_MODULE if legacy else PLAIN_MODULE.format(index=index)
        with open(os.path.join(folder, f"module{index}.py"), "w") as file:
            file.write(text)


def wall_time(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=5000)
    parser.add_argument("--with-findings", type=int, default=5)
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()

    script = shutil.which(
        SCAN_COMMAND,
        path=os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""),
    )
    grep = shutil.which("grep")
    if script is None or grep is None:
        print(f"needs {SCAN_COMMAND} (pip install -e .) and grep", file=sys.stderr)
        return 2

    with tempfile.TemporaryDirectory(prefix="cmc-scan-bench-") as root:
        build_tree(root, args.files, args.with_findings)
        scan = [script, "scan", "--format", "text", root]
        search = [grep, "-rlE", "Config|CHARTMOGUL_|chartmogul", root]

        found = subprocess.run(scan, capture_output=True, text=True, check=False)
        summary = found.stdout.strip().splitlines()[-1]
        # Warm the page cache for both, then alternate so load hits both alike.
        wall_time(search)
        scan_times, grep_times = [], []
        for _ in range(args.runs):
            scan_times.append(wall_time(scan))
            grep_times.append(wall_time(search))

    scan_median = statistics.median(scan_times)
    grep_median = statistics.median(grep_times)
    print(f"tree: {args.files} Python files, {args.with_findings} with findings")
    print(f"scan result: {summary}")
    print(
        f"chartmogul-compat scan: {scan_median * 1000:7.1f} ms (median of {args.runs})"
    )
    print(
        f"grep -rlE:              {grep_median * 1000:7.1f} ms (median of {args.runs})"
    )
    print(f"ratio: {scan_median / grep_median:.1f}x grep (target: 8x or less)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
