"""Summaries of py-spy's collapsed stacks (`py-spy record --format raw`): where the samples' own time
went (leaf frames) and which of the bridge's functions the samples were inside (inclusive)."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

_LINE = re.compile(r":\d+\)$")
#: Frames of the project's own code are shown relative to it.
PROJECT_ROOT = str(Path(__file__).resolve().parent.parent)


def _function(frame: str) -> str:
    """`name (path/file.py:123)` -> `name (file path from the package or site-packages)`."""
    frame = _LINE.sub(")", frame.strip())
    for marker in ("site-packages/", f"{PROJECT_ROOT}/", "python3.11/"):
        if marker in frame:
            name, _, path = frame.partition(" (")
            return f"{name} ({path.split(marker, 1)[1]}"
    return frame


def summarize(path: Path, top: int = 15) -> dict[str, Any]:
    own: Counter[str] = Counter()
    inside: Counter[str] = Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        samples = int(count)
        frames = [_function(f) for f in stack.split(";") if f and not f.startswith(("process ", "thread "))]
        if not frames:
            continue
        total += samples
        own[frames[-1]] += samples
        for function in set(frames):
            if "(bridge/" in function:
                inside[function] += samples

    def share(counter: Counter[str]) -> list[dict[str, Any]]:
        return [
            {"function": name, "samples": n, "percent": round(100 * n / total, 1)}
            for name, n in counter.most_common(top)
        ]

    return {"samples": total, "own": share(own), "inclusive_bridge": share(inside)}


def report(profiles: dict[str, dict[str, Any]], notes: dict[str, str]) -> str:
    lines = [
        "# Profiles (py-spy, `make bench`)",
        "",
        "Sampled at 100 Hz with `py-spy record --subprocesses` (idle threads not counted), one process per",
        "run, while the benchmark ran. *Own*: the sample's innermost frame. *Inside*: samples whose stack",
        "passes through that function of `bridge/` (a sample counts once per function).",
    ]
    for name, summary in profiles.items():
        lines += ["", f"## {name}", "", notes.get(name, ""), "", f"{summary['samples']:,} samples.", ""]
        for title, key in (("Own time", "own"), ("Inside (bridge/ functions)", "inclusive_bridge")):
            lines += [f"### {title}", "", "| function | samples | % |", "|---|---:|---:|"]
            lines += [f"| `{x['function']}` | {x['samples']:,} | {x['percent']} |" for x in summary[key]]
            lines.append("")
    return "\n".join(lines) + "\n"
