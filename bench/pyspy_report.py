"""Sampling a server process with py-spy and summarising where its time goes.

`bench/inbox.py --profile FILE` attaches `py-spy record --idle --threads --format raw` to
the fedlocal process for the timed part of one extra run (never a measured one) and reads
the collapsed stacks back. Samples are taken with `--idle` because py-spy counts a thread
blocked in `SimpleQueue.get()` (aiosqlite's idle connection thread) as active; this module
instead classifies a sample as *waiting* when the source line it stopped on is a blocking
call (`select`/`poll`, a queue `get`, a lock `acquire`, a condition `wait`), and as *busy*
otherwise. Busy samples of the main thread are event-loop time; busy samples of the
aiosqlite threads include SQLite's own C code (statement execution, fsync).

    python bench/pyspy_report.py FILE   # summarise a raw file again
"""

from __future__ import annotations

import linecache
import re
import shutil
import signal
import subprocess
import sys
import sysconfig
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
_SEARCH = [Path(sysconfig.get_paths()["purelib"]), Path(sysconfig.get_paths()["stdlib"]), REPO]
_FRAME = re.compile(r"^(?P<name>.*) \((?P<path>.*?)(?::(?P<line>\d+))?\)$")
_WAITING = re.compile(r"\.(select|poll|get|acquire|wait)\(")
# Only where a thread parks: the selector, locks and queues, aiosqlite's idle loop.
_WAITING_FILES = ("selectors.py", "threading.py", "queue.py", "aiosqlite/core.py",
                  "concurrent/futures/thread.py")  # fmt: skip

# Where a busy sample goes: the first bucket whose pattern matches a frame of its stack
# ("function (path:line)"), so the shares add up to 100 %. SQLAlchemy's async layer runs
# in greenlets, whose stacks py-spy shows without the caller (receive_activity or the
# worker), so store time is one bucket whoever called it.
BUCKETS: list[tuple[str, str]] = [
    (
        "thread hand-offs (waking aiosqlite's thread, being woken by it)",
        r"^(Connection\._execute \(aiosqlite/|BaseSelectorEventLoop\._(read_from|write_to)_self )",
    ),
    ("SQLAlchemy Core + aiosqlite (any caller)", r"\((sqlalchemy|greenlet|aiosqlite)/"),
    ("signature verify (RSA)", r"^InboundVerifier\.verify \(|^verify \(activitypub/httpsig"),
    ("signature parse + Digest", r"^InboundVerifier\.parse \(|^parse_request_signature \("),
    ("JSON parse (loads_bounded)", r"^loads_bounded \("),
    ("rest of receive_activity", r"^receive_activity \("),
    ("inbox worker, outside the store", r"^InboxWorker\.|\(fedlocal/federation/inbox"),
    ("HTTP server: uvicorn h11 + starlette", r"h11_impl|\(h11/|\(starlette/"),
    ("asyncio event loop (callbacks, transports)", r"\(asyncio/|\(selectors"),
    ("other", r""),
    ("native code, no Python frame", r"$^"),  # stacks py-spy read without a Python frame
]


@dataclass
class ThreadProfile:
    busy: int = 0
    waiting: int = 0
    self_time: Counter = field(default_factory=Counter)
    stages: Counter = field(default_factory=Counter)


@dataclass
class Profile:
    threads: dict[str, ThreadProfile] = field(default_factory=dict)
    sampler_samples: int | None = None  # as py-spy reports them, with its read errors
    sampler_errors: int | None = None

    @property
    def busy(self) -> int:
        return sum(t.busy for t in self.threads.values())

    def as_dict(self, top: int = 25) -> dict:
        out: dict = {
            "busy_samples": self.busy,
            "py_spy_samples": self.sampler_samples,
            "py_spy_errors": self.sampler_errors,
            "threads": {},
        }
        for name, t in self.threads.items():
            total = t.busy + t.waiting
            out["threads"][name] = {
                "busy_fraction": round(t.busy / total, 3) if total else 0.0,
                "busy_samples": t.busy,
                "buckets_percent_of_busy": {
                    stage: round(100 * t.stages[stage] / t.busy, 1) if t.busy else 0.0
                    for stage, _ in BUCKETS
                    if t.stages[stage]
                },
                "top_self_percent_of_busy": [
                    {"function": fn, "percent": round(100 * n / t.busy, 1)}
                    for fn, n in t.self_time.most_common(top)
                ],
            }
        return out


class Sampler:
    """`py-spy record` attached to a pid until `stop()`."""

    def __init__(self, pid: int, output: Path, *, rate: int = 100):
        venv_bin = str(Path(sys.executable).parent)
        exe = shutil.which("py-spy", path=venv_bin) or shutil.which("py-spy")
        if exe is None:
            raise SystemExit("--profile needs py-spy: .venv/bin/pip install py-spy")
        self.output = output
        self.process = subprocess.Popen(
            [exe, "record", "--pid", str(pid), "--idle", "--threads", "--nonblocking",
             "--format", "raw", "--rate", str(rate), "--output", str(output)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )  # fmt: skip

    def stop(self) -> Profile:
        self.process.send_signal(signal.SIGINT)
        out, _ = self.process.communicate(timeout=60)
        text = out.decode(errors="replace")
        if not self.output.exists():
            raise RuntimeError(f"py-spy wrote nothing: {text}")
        profile = summarise(self.output)
        counts = re.search(r"Samples: (\d+) Errors: (\d+)", text)
        if counts:
            profile.sampler_samples, profile.sampler_errors = map(int, counts.groups())
        return profile


def _is_waiting(frame: str) -> bool:
    match = _FRAME.match(frame)
    if not match or not match["line"] or not match["path"].endswith(_WAITING_FILES):
        return False
    for root in _SEARCH:
        path = root / match["path"]
        if path.exists():
            return bool(_WAITING.search(linecache.getline(str(path), int(match["line"]))))
    return False


def _thread_name(root: str) -> str:
    # "thread (12345): MainThread" or "thread (12346): Thread-1 (_connection_worker_thread)"
    name = root.split(": ", 1)[1] if ": " in root else root
    if "_connection_worker_thread" in name:
        return "aiosqlite connection threads"
    if name == "MainThread":
        return "main thread (event loop)"
    return re.sub(r"-\d+", "-N", name)


def _without_line(frame: str) -> str:
    match = _FRAME.match(frame)
    return f"{match['name']} ({match['path']})" if match else frame


def summarise(raw_file: Path) -> Profile:
    profile = Profile()
    compiled = [(name, re.compile(pattern)) for name, pattern in BUCKETS]
    for line in raw_file.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = stack.split(";")
        thread = _thread_name(frames.pop(0)) if frames[0].startswith("thread (") else "?"
        t = profile.threads.setdefault(thread, ThreadProfile())
        if frames and _is_waiting(frames[-1]):
            t.waiting += count
            continue
        t.busy += count
        t.self_time[_without_line(frames[-1]) if frames else "(native code, no Python frame)"] += (
            count
        )
        if not frames:
            t.stages[compiled[-1][0]] += count
            continue
        for index, (name, pattern) in enumerate(compiled):
            # The hand-off bucket is about the leaf frame only.
            candidates = frames[-1:] if index == 0 else frames
            if any(pattern.search(f) for f in candidates):
                t.stages[name] += count
                break
    return profile


def format_profile(profile: Profile, top: int = 15) -> str:
    lines = [f"py-spy (--idle) busy samples: {profile.busy}"]
    if profile.sampler_samples is not None:
        lines[0] += f" (py-spy: {profile.sampler_samples} samples, {profile.sampler_errors} errors)"
    for name, t in sorted(profile.threads.items(), key=lambda kv: -kv[1].busy):
        total = t.busy + t.waiting
        if not t.busy:
            continue
        lines += [
            "",
            f"{name}: busy {100 * t.busy / total:.0f} % of its samples ({t.busy} busy / {total})",
        ]
        lines.append("  where its busy samples go (exclusive buckets):")
        for stage, _ in BUCKETS:
            if t.stages[stage]:
                lines.append(f"    {100 * t.stages[stage] / t.busy:5.1f} %  {stage}")
        lines.append(f"  top {top} by self time, % of this thread's busy samples:")
        for fn, n in t.self_time.most_common(top):
            lines.append(f"    {100 * n / t.busy:5.1f} %  {fn}")
    return "\n".join(lines)


if __name__ == "__main__":
    print(format_profile(summarise(Path(sys.argv[1]))))
