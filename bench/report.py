"""Writes bench/results.md (one table: figure, rdird, anchor, ratio,
machine), bench/results.png (the ratios, drawn as an SVG and turned into a
PNG by ImageMagick) and the same table into README.md between its bench
markers.

Input: a file of tab-separated rows `group  figure  rdird  anchor` (anchor
`-` when there is none), the machine's description, and the notes file
that explains the figures.
"""

import math
import pathlib
import shutil
import subprocess
import sys
import time

ANCHORS = {
    "python": "CPython {py} running the same handler (bench/dispatch_cpython.py)",
    "console": "Debian's bacula-dir 9.6.7 on a copy of the same catalog (10,000 jobs)",
    "backup": "Debian's bacula-dir 9.6.7 (SQLite catalog) driving the same bacula-fd and bacula-sd 9.6.7",
    "bvfs": "Debian's bacula-dir 9.6.7 on a copy of the same catalog (one backup of 1,000,000 files)",
}
BEGIN, END = "<!-- bench table begin -->", "<!-- bench table end -->"


def ratio(ours, theirs):
    try:
        a, b = float(ours), float(theirs)
    except ValueError:
        return None
    return a / b if b else None


def table(rows, machine):
    out = ["| figure | rdird | anchor | ratio | machine |", "|---|---|---|---|---|"]
    for group, name, ours, theirs in rows:
        r = ratio(ours, theirs)
        shown = "%.2f" % r if r is not None else "-"
        out.append(f"| {group}: {name} | {ours} | {theirs} | {shown} | {machine} |")
    return "\n".join(out)


def svg(rows):
    """Horizontal bars of log2(ratio) around 1.0, one per figure with an anchor."""
    bars = [(f"{g}: {n}", n.endswith("_per_s"), ratio(o, t)) for g, n, o, t in rows]
    bars = [(label, rate, r) for label, rate, r in bars if r]
    height, left, width, scale = 22, 470, 1000, 40
    mid = left + 260
    h = 70 + height * len(bars)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{h}" font-family="DejaVu Sans, sans-serif" font-size="12">',
        f'<rect width="{width}" height="{h}" fill="white"/>',
        '<text x="10" y="22" font-size="15">rdird / anchor, log scale; green where rdird does better (less time or memory, more per second)</text>',
    ]
    for i, (label, rate, r) in enumerate(bars):
        y = 45 + i * height
        x = mid + max(-250, min(260, scale * math.log2(r)))
        x0, x1 = sorted((mid, x))
        colour = "#3a7" if (r > 1) == rate else "#c64"
        out.append(f'<text x="{left - 8}" y="{y + 14}" text-anchor="end">{label}</text>')
        out.append(f'<rect x="{x0:.1f}" y="{y + 3}" width="{max(x1 - x0, 1):.1f}" height="{height - 6}" fill="{colour}"/>')
        if r >= 1 and x1 + 60 > width:
            tx, anchor, fill = x1 - 4, "end", "white"
        elif r >= 1:
            tx, anchor, fill = x1 + 4, "start", "black"
        else:
            tx, anchor, fill = x0 - 4, "end", "black"
        out.append(f'<text x="{tx:.1f}" y="{y + 14}" text-anchor="{anchor}" fill="{fill}">{r:.2f}</text>')
    out.append(f'<line x1="{mid}" y1="35" x2="{mid}" y2="{h - 10}" stroke="black"/>')
    out.append("</svg>")
    return "\n".join(out)


def main():
    rows_file, machine, notes_file, out_dir, readme = sys.argv[1:6]
    rows = [line.rstrip("\n").split("\t") for line in open(rows_file) if line.strip()]
    py = sys.version.split()[0]
    out = pathlib.Path(out_dir)
    t = table(rows, machine)
    anchors = "\n".join(f"- {g}: {a.format(py=py)}" for g, a in ANCHORS.items())
    (out / "results.svg").write_text(svg(rows))
    convert = shutil.which("convert-im6.q16") or (
        "/usr/bin/convert" if pathlib.Path("/usr/bin/convert").exists() else None
    )
    chart = ""
    if convert:
        subprocess.run([convert, str(out / "results.svg"), str(out / "results.png")], check=True)
        chart = "\n![rdird / anchor, log scale](results.png)\n"
    else:
        print("bench: ImageMagick is missing, so no results.png (apt-get install imagemagick)")
    (out / "results.svg").unlink()
    md = (
        "# Benchmarks\n\n"
        f"Measured by `make bench` on {time.strftime('%Y-%m-%d', time.gmtime())}, every figure beside its anchor in the same run.\n"
        f"Machine: {machine}.\n\nAnchors:\n\n{anchors}\n\n{t}\n{chart}\n"
        + open(notes_file).read()
    )
    (out / "results.md").write_text(md)
    text = pathlib.Path(readme).read_text()
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        _, tail = rest.split(END, 1)
        pathlib.Path(readme).write_text(f"{head}{BEGIN}\n{t}\n{END}{tail}")


if __name__ == "__main__":
    main()
