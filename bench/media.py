"""Processing one 12-megapixel photo: time and peak memory of `fedlocal.media.processing`.

    python bench/media.py [--runs N] [--json out.json]

1. makes a 4000 × 3000 JPEG like a phone's (gradients under noise, so it compresses as
   a photo does: several MB at quality 92), with EXIF orientation and GPS;
2. runs `processing.process` on it N times, each in a fresh Python process, so each
   figure is one upload on a warm library but a cold heap: wall and CPU time, peak
   memory traced by tracemalloc (Python's own allocations: the bytes in and out, the
   BlurHash lists), and the growth of the peak RSS (`VmHWM`, everything: Pillow's pixel
   buffers are allocated outside tracemalloc's sight) over the RSS after imports;
3. prints the median and the worst of each, and what came out (sizes, bytes).

Other people's work may share the machine: times are wall times on a busy machine,
memory figures do not depend on it.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

WIDTH, HEIGHT = 4000, 3000


def make_photo() -> bytes:
    from PIL import Image

    noise = Image.effect_noise((WIDTH, HEIGHT), 48)
    across = Image.linear_gradient("L").resize((WIDTH, HEIGHT))
    down = Image.linear_gradient("L").rotate(90).resize((WIDTH, HEIGHT))
    red = Image.blend(noise, across, 0.6)
    green = Image.blend(noise, down, 0.5)
    blue = Image.blend(across, down, 0.5)
    photo = Image.merge("RGB", (red, green, blue))
    exif = Image.Exif()
    exif[0x0112] = 6
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (48.0, 38.0, 57.5), 3: "W", 4: (2.0, 1.0, 32.5)})
    out = io.BytesIO()
    photo.save(out, "JPEG", quality=92, exif=exif.tobytes())
    return out.getvalue()


def _status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def child(path: str) -> None:
    """One measured run (in its own process): prints one JSON line."""
    from fedlocal.media import processing

    data = Path(path).read_bytes()
    processing.process(_tiny())  # warm the library (codecs, BlurHash tables)
    rss_before = _status_kib("VmRSS")
    tracemalloc.start()
    wall, cpu = time.perf_counter(), time.process_time()
    done = processing.process(data)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    _current, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        json.dumps(
            {
                "wall_ms": wall * 1000,
                "cpu_ms": cpu * 1000,
                "traced_peak_mib": traced_peak / 2**20,
                "rss_growth_mib": (_status_kib("VmHWM") - rss_before) / 1024,
                "rss_peak_mib": _status_kib("VmHWM") / 1024,
                "out": [done.original.width, done.original.height, len(done.original.data)],
                "small": [done.small.width, done.small.height, len(done.small.data)],
            }
        )
    )


def _tiny() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 100, 50)).save(out, "JPEG")
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    photo = make_photo()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "photo.jpg"
        path.write_bytes(photo)
        runs = []
        for _ in range(args.runs):
            result = subprocess.run(
                [sys.executable, __file__, "--child", str(path)],
                capture_output=True,
                text=True,
                check=True,
                env={**os.environ, "PYTHONHASHSEED": "0"},
            )
            runs.append(json.loads(result.stdout.strip().splitlines()[-1]))
    print(f"input: {WIDTH} × {HEIGHT} JPEG, {len(photo) / 2**20:.1f} MiB, {args.runs} runs")
    summary = {}
    for key in ("wall_ms", "cpu_ms", "traced_peak_mib", "rss_growth_mib", "rss_peak_mib"):
        values = [run[key] for run in runs]
        summary[key] = {"median": statistics.median(values), "max": max(values)}
        print(f"{key:>16}: median {statistics.median(values):8.1f}   max {max(values):8.1f}")
    print(f"output: {runs[0]['out']} (width, height, bytes); thumbnail {runs[0]['small']}")
    if args.json:
        args.json.write_text(
            json.dumps({"input_bytes": len(photo), "runs": runs, "summary": summary}, indent=2)
        )


if __name__ == "__main__":
    main()
