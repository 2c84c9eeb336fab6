#!/usr/bin/env python3
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Run the benchmarks of this folder, one subprocess each, and stream what they print.

Usage: python bench/run.py [NAME ...]

Every ``bench_*.py`` next to this file runs with the same interpreter, in name order; NAME
selects a subset (``event_emit``, ``bench_event_emit`` or ``bench_event_emit.py``). Each
script's output is also saved to ``bench/results/<name>.md``. The exit status is non-zero only
when a script crashes (or a NAME matches nothing); timings never fail the run.
"""

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"


def discover(names):
    scripts = {path.stem: path for path in sorted(HERE.glob("bench_*.py"))}
    if not names:
        return list(scripts.values()), []
    selected, unknown = [], []
    for name in names:
        stem = Path(name).stem
        stem = stem if stem.startswith("bench_") else f"bench_{stem}"
        if stem in scripts:
            selected.append(scripts[stem])
        else:
            unknown.append(name)
    return selected, unknown


def run(script):
    """Run one benchmark, echo its output line by line and save it; return its exit code."""
    RESULTS.mkdir(exist_ok=True)
    with (
        (RESULTS / f"{script.stem}.md").open("w", encoding="utf-8") as saved,
        subprocess.Popen(
            [sys.executable, "-u", str(script)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
        ) as process,
    ):
        for line in process.stdout:
            sys.stdout.write(line)
            sys.stdout.flush()
            saved.write(line)
    return process.returncode


def main(argv):
    scripts, unknown = discover(argv[1:])
    for name in unknown:
        print(f"bench: no benchmark named {name!r} in {HERE}", file=sys.stderr)
    if unknown:
        return 2
    if not scripts:
        print(f"bench: no bench_*.py in {HERE}")
        return 0
    failed = []
    for script in scripts:
        print(f"\n== {script.name}", flush=True)
        start = time.perf_counter()
        code = run(script)
        status = "ok" if code == 0 else f"CRASHED (exit {code})"
        print(f"== {script.name}: {status} in {time.perf_counter() - start:.0f} s", flush=True)
        if code != 0:
            failed.append(script.name)
    if failed:
        print(f"\nbench: {len(failed)} benchmark(s) crashed: {', '.join(failed)}", file=sys.stderr)
        return 1
    print(f"\nbench: {len(scripts)} benchmark(s) done; tables saved in {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
