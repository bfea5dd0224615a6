"""python manage.py bench_engine: throughput per model and precision against the ncnn
runtime on the same weights and input, and peak memory of RealSR at two image sizes."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError


def _sizes(text: str) -> list[tuple[int, int]]:
    try:
        return [tuple(int(v) for v in item.lower().split("x")) for item in text.split(",") if item]
    except ValueError as exc:
        raise CommandError(f"sizes look like 128x96,256x192; got {text!r}") from exc


class Command(BaseCommand):
    help = "Benchmark the engine (MP/s, seconds, peak memory) against the ncnn runtime."

    def add_arguments(self, parser):
        parser.add_argument(
            "--models",
            default="realsr,waifu2x-art,waifu2x-photo,realesrgan,realesrgan-anime,realesrgan-animevideov3",
        )
        parser.add_argument("--sizes", help="input sizes for every model, e.g. 128x96,256x192 (default per model)")
        parser.add_argument("--precisions", default="fp32,bf16")
        parser.add_argument(
            "--device", default="cpu", help="cpu or cuda[:N]: the same figures (ncnn stays the CPU reference)"
        )
        parser.add_argument("--repeats", type=int, default=3)
        parser.add_argument("--tile", type=int, default=None, help="tile size (default: the model's; 0 = none)")
        parser.add_argument("--threads", type=int, default=None, help="torch and ncnn threads (default: torch's)")
        parser.add_argument("--no-ncnn", action="store_true")
        parser.add_argument(
            "--memory-sizes",
            default="288x288,576x576",
            help=(
                "RealSR input sizes for the peak-memory probe ('' to skip). Both should exceed two 128 px "
                "tiles so each has an interior tile; 500x500,1000x1000 = 4 and 16 MP out"
            ),
        )
        parser.add_argument(
            "--bopb-sizes",
            default="0.5,1,2",
            help="BOPB input sizes in megapixels, each in its own subprocess ('' to skip)",
        )
        parser.add_argument(
            "--bopb-modes",
            default="quality",
            help="BOPB modes: quality,scratches,hr (a 2 MP scratch run takes 10-40 minutes on 2 CPU cores)",
        )
        parser.add_argument("--bopb-precision", default="bf16", choices=["fp32", "bf16", "fp16"])
        parser.add_argument(
            "--bopb-faces", default="", help="BOPB stages 2-4 on a 1 MP portrait with these face counts, e.g. 1,5"
        )
        parser.add_argument("--json", action="store_true", help="print one JSON document instead of text")
        parser.add_argument("--save-json", type=Path, help="also write the JSON report to this file")
        parser.add_argument("--plot", type=Path, help="write a PNG chart (needs matplotlib, a dev dependency)")

    def handle(self, *args, **opts):
        import torch

        from enhance.engine.bench import memory, runner
        from enhance.engine.config import default_weights_dir
        from enhance.engine.weights import builtin

        if opts["threads"]:
            torch.set_num_threads(opts["threads"])
        from enhance.engine.device import resolve_device

        try:
            device = str(resolve_device(opts["device"]))
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        cases = [c for c in opts["models"].split(",") if c]
        unknown = [c for c in cases if c not in runner.CASES]
        if unknown:
            raise CommandError(f"unknown bench case(s) {unknown}; choose from {', '.join(runner.CASES)}")
        precisions = tuple(p for p in opts["precisions"].split(",") if p)
        log = (lambda *a: None) if opts["json"] else (lambda text: self.stdout.write(text))
        weights_dir = default_weights_dir()
        for model_id in ("realsr", "waifu2x", "realesrgan"):
            builtin.ensure_imported(model_id, weights_dir, [])
        report = {
            "torch": torch.__version__,
            "threads": torch.get_num_threads(),
            "cpu_capability": torch.backends.cpu.get_cpu_capability(),
            "device": device,
            "rows": [],
            "memory": [],
        }
        from enhance.engine.bench import weights_timing

        report["weights"] = weights_timing.measure()
        log("weights: " + ", ".join(f"{k} {v:.2f}" for k, v in report["weights"].items()))
        for case in cases:
            for size in _sizes(opts["sizes"]) if opts["sizes"] else [runner.DEFAULT_SIZES[case]]:
                log(f"{case} {size[0]}x{size[1]}")
                rows = runner.bench_case(
                    case, size, precisions, opts["repeats"], opts["tile"], not opts["no_ncnn"], log=log, device=device
                )
                report["rows"].extend(r.as_dict() for r in rows)
        mem_precision = "bf16" if "bf16" in precisions else precisions[0]
        memory_sizes = _sizes(opts["memory_sizes"]) if device == "cpu" else []
        if device != "cpu":
            log("peak memory: per row above (the CUDA allocator's peak); the RSS probe is for CPU workers")
        for width, height in memory_sizes:
            log(f"peak memory: realsr {width}x{height} ({mem_precision}) in a subprocess")
            result = memory.measure(str(weights_dir), "realsr", width, height, mem_precision)
            report["memory"].append(result)
            log(
                f"  out {result['output'][0]}x{result['output'][1]}: peak {result['peak_bytes'] / 2**20:.0f} MiB, "
                f"job {result['job_bytes'] / 2**20:.0f} MiB, "
                f"tiles {result['tile_phase_bytes'] / 2**20:.0f} MiB "
                f"({result['tile_phase_bytes_excluding_output'] / 2**20:.0f} MiB without the result buffer), "
                f"{result['seconds']:.1f} s"
            )
        if len(report["memory"]) >= 2:
            first, last = report["memory"][0], report["memory"][-1]
            report["memory_ratio"] = last["job_bytes"] / max(first["job_bytes"], 1)
            report["tiling_memory_ratio"] = last["tile_phase_bytes_excluding_output"] / max(
                first["tile_phase_bytes_excluding_output"], 1
            )
            log(
                f"  largest image / smallest: job {report['memory_ratio']:.2f} (output buffers included), "
                f"while tiling {report['tiling_memory_ratio']:.2f} (result buffer aside)"
            )
        report["bopb"] = self._bench_bopb(opts, weights_dir, log, device)
        if opts["bopb_faces"]:
            from enhance.engine.pipelines.bopb_faces_bench import bench_faces

            counts = [int(v) for v in opts["bopb_faces"].split(",") if v.strip()]
            report["bopb_faces"] = bench_faces(counts, opts["bopb_precision"], weights_dir)
            for row in report["bopb_faces"]:
                log(f"bopb faces {row['faces_found']}/{row['faces_placed']} on {row['megapixels']:.1f} MP: "
                    f"detect {row['detect_s']:.2f} s, align {row['align_s']:.2f} s, "
                    f"enhance {row['enhance_s']:.2f} s, blend {row['blend_s']:.2f} s")
        if opts["save_json"]:
            opts["save_json"].write_text(json.dumps(report, indent=2))
        if opts["plot"]:
            from enhance.engine.bench.plot import plot_report

            log(f"plot: {plot_report(report, opts['plot'])}")
        if opts["json"]:
            self.stdout.write(json.dumps(report, indent=2))

    def _bench_bopb(self, opts, weights_dir, log, device="cpu") -> list[dict]:
        from enhance.engine.pipelines.bopb_bench import MODES, bench_bopb

        sizes = [float(v) for v in opts["bopb_sizes"].split(",") if v.strip()]
        modes = [m for m in opts["bopb_modes"].split(",") if m]
        unknown = [m for m in modes if m not in MODES]
        if unknown:
            raise CommandError(f"unknown BOPB mode(s) {unknown}; choose from {', '.join(sorted(MODES))}")
        rows = []
        for mode in modes:
            for size in sizes:  # one at a time so the log shows progress on long runs
                row = bench_bopb((size,), (mode,), opts["bopb_precision"], weights_dir, device=device)[0]
                rows.append(row)
                if "error" in row:
                    log(f"bopb {mode} {size} MP: failed: {row['error']}")
                else:
                    log(f"bopb {mode} {size} MP ({opts['bopb_precision']}): {row.get('seconds', 0):.1f} s, "
                        f"peak {row.get('peak_rss_mb', 0):.0f} MiB"
                        + (f", peak GPU {row['peak_gpu_mb']:.0f} MiB" if "peak_gpu_mb" in row else ""))
        return rows
