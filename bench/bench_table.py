#!/usr/bin/env python3
"""Joins vkcnn-bench --json and bench/torch_bench.py outputs into one markdown table, for
bench/compare.sh and bench/device-check.sh. Standard library only.

  bench_table.py MANIFEST [--cpu NAME] [--cores N]

MANIFEST: one row per line, tab-separated:
  label  kind  batch  vkcnn.json  torch.json
kind: "latency" (forward; ratio of times), "train" (training steps; images/s and their ratio) or
"frame" (the element's per-frame path; vkcnn only). torch.json is "-" where PyTorch has no
counterpart. vkcnn.json holds one JSON object, torch.json one JSON line per precision; each
row reads the result of its batch size. A missing or unreadable file, or a row without its
batch, is an error naming it: the table is whole or not printed at all; with --allow-missing
(device-check.sh, where a step may run out of time) such a cell says "not measured" instead.
"""
import argparse
import json
import os
import sys


class Missing(Exception):
    pass


def read_objects(path):
    name = os.path.basename(path)  # the step's output file; its folder is temporary
    try:
        with open(path) as f:
            lines = [l for l in f.read().splitlines() if l.strip()]
    except OSError as e:
        raise Missing(f"{name}: {e.strerror}")
    if not lines:
        raise Missing(f"{name}: empty, the benchmark printed nothing (see its log)")
    try:
        return [json.loads(l) for l in lines]
    except ValueError as e:
        raise Missing(f"{name}: not JSON ({e})")


def result_for(obj, batch, path):
    for r in obj.get("results", []):
        if r.get("batch") == batch:
            return r
    raise Missing(f"{os.path.basename(path)}: no result for batch {batch}")


def ms(r):
    return f"{r['median_ms']:.3g} ms" if r["median_ms"] < 1000 else f"{r['median_ms'] / 1000:.3g} s"


def ips(r):
    return f"{r['images_per_s']:,.0f} img/s".replace(",", " ")


def cell(kind, r, batch):
    if isinstance(r, str):  # --allow-missing: why there is no number
        return r
    if kind == "train":
        return f"{ips(r)} ({ms(r)}/step)"
    if kind == "frame":
        return f"{ms(r)} = {r['images_per_s']:.0f} frames/s"
    return ms(r) + (f" ({ips(r)})" if batch > 1 else "")


def ratio(kind, vk, pt):
    if isinstance(vk, str) or isinstance(pt, str):
        return "—"
    if kind == "train":
        return f"{vk['images_per_s'] / pt['images_per_s']:.2f}× img/s"
    return f"{vk['median_ms'] / pt['median_ms']:.2f}× time"


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("manifest")
    p.add_argument("--cpu", default="", help="CPU model, for the machine line")
    p.add_argument("--cores", default="", help="core count, for the machine line")
    p.add_argument("--note", action="append", default=[], help="a line to print under the table (repeatable)")
    p.add_argument("--allow-missing", action="store_true",
                   help="a row whose output is missing or unreadable says so instead of failing the table")
    args = p.parse_args()

    rows, vk_device, torch_info, fp16 = [], None, None, False
    with open(args.manifest) as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            fields = line.rstrip("\n").split("\t")
            if len(fields) != 5:
                raise Missing(f"{args.manifest}:{n}: expected 5 tab-separated fields, got {len(fields)}")
            label, kind, batch, vk_path, pt_path = fields
            batch = int(batch)
            try:
                vk_obj = read_objects(vk_path)[0]
                vk_device = vk_device or f"{vk_obj['device']} ({vk_obj.get('device_type', '?')})"
                vk = result_for(vk_obj, batch, vk_path)
            except (Missing, KeyError) as e:
                if not args.allow_missing:
                    raise
                vk = f"not measured ({e})"
            pt = {}
            if pt_path != "-":
                try:
                    for obj in read_objects(pt_path):
                        pt[obj.get("dtype", "fp32")] = result_for(obj, batch, pt_path)
                        torch_info = torch_info or obj
                    if "fp32" not in pt:
                        raise Missing(f"{os.path.basename(pt_path)}: no fp32 result")
                except (Missing, KeyError) as e:
                    if not args.allow_missing:
                        raise
                    pt = {"fp32": f"not measured ({e})"}
                fp16 = fp16 or "fp16" in pt
            rows.append((label, kind, batch, vk, pt))

    head = ["work", "vkcnn", "PyTorch fp32"] + (["PyTorch fp16"] if fp16 else []) + ["vkcnn / PyTorch fp32"]
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for label, kind, batch, vk, pt in rows:
        cells = [label, cell(kind, vk, batch)]
        cells.append(cell(kind, pt["fp32"], batch) if pt else "—")
        if fp16:
            cells.append(cell(kind, pt["fp16"], batch) if "fp16" in pt else "—")
        cells.append(ratio(kind, vk, pt["fp32"]) if pt else "—")
        out.append("| " + " | ".join(cells) + " |")
    print("\n".join(out))
    print()
    machine = ", ".join(x for x in [args.cpu, f"{args.cores} cores" if args.cores else ""] if x)
    print(f"Machine: {machine or 'unknown CPU'}. vkcnn on Vulkan device {vk_device or '(none measured)'}.")
    if torch_info:
        threads = f"{torch_info['threads']} CPU threads (torch.set_num_threads"
        threads += "; lavapipe too spreads vkcnn's work over every core)" if vk_device and "(CPU)" in vk_device else ")"
        print(f"PyTorch {torch_info['torch']} on {torch_info['device']} ({torch_info['device_type']}), {threads}.")
    for line in args.note:
        print(line)
    print("Medians of each tool's timed runs after warmup; latency ratios are vkcnn time / PyTorch time "
          "(below 1: vkcnn faster), training ratios vkcnn images/s / PyTorch images/s (above 1: vkcnn faster).")


if __name__ == "__main__":
    try:
        main()
    except (Missing, KeyError, ValueError) as e:
        sys.exit(f"bench_table: {e}")
