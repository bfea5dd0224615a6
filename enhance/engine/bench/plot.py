"""Bar chart of a bench_engine report: input MP/s per case and precision next to ncnn.
matplotlib is a dev dependency; only this module needs it."""

from __future__ import annotations

from pathlib import Path


def plot_report(report: dict, path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = report["rows"]
    labels = [f"{r['case']}\n{r['size']} {r['precision']}" for r in rows]
    ours = [r["mp_per_s"] for r in rows]
    theirs = [
        (int(r["size"].split("x")[0]) * int(r["size"].split("x")[1]) / 1e6 / r["ncnn_seconds"])
        if r.get("ncnn_seconds")
        else 0.0
        for r in rows
    ]
    fig, axes = plt.subplots(1, 2 if report.get("memory") else 1, figsize=(12, 4.5), squeeze=False)
    ax = axes[0][0]
    xs = range(len(rows))
    ax.bar([x - 0.2 for x in xs], ours, width=0.4, label="Restore engine (PyTorch)")
    ax.bar([x + 0.2 for x in xs], theirs, width=0.4, label="ncnn runtime, best CPU config")
    ax.set_xticks(list(xs), labels, fontsize=7)
    ax.set_ylabel("input megapixels / second (median)")
    ax.set_yscale("log")
    ax.set_title(f"Throughput, {report['threads']} thread(s)")
    ax.legend(fontsize=8)
    if report.get("memory"):
        mem = report["memory"]
        ax2 = axes[0][1]
        names = [f"{m['output'][0]}x{m['output'][1]} out" for m in mem]
        job = [m["tile_phase_bytes_excluding_output"] / 2**20 for m in mem]
        ax2.bar(names, job, label="working memory while tiling")
        ax2.bar(names, [m["output"][0] * m["output"][1] * 3 / 2**20 for m in mem], bottom=job, label="uint8 result")
        ax2.set_ylabel("MiB above the loaded-model baseline")
        ax2.set_title("RealSR peak memory per job")
        ax2.legend(fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
