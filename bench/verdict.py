"""Issue 35's targets, each with its measured figure and HOLDS / MISSES, or "not shown" when a capped
run cannot tell, "not measured" when the case did not run: at the seeds, cold build ≤ 15 s and
≤ 1.2× the floor, a one-study edit ≤ 30 % of the cold build and local, a no-op within 0.5 s of
`snakemake --version`, a notebook job ≤ 1 s; at 30 × 1,000, cold build ≤ 1× the floor and (issue
21's) the audit job < 10 s; at 100 × 5,000, every job's peak < 1.5 GiB, the briefing_pdf and the
longest modality_pdf job < 30 s, the whole build finished within 3× the floor. Then each rule's declared mem_mb (its
`resources:`, else the SLURM profile's default) against its jobs' largest measured peak, and how
the build grows with studies and modalities."""

from __future__ import annotations

from bench import GIB, NOTEBOOK_ROW, PER_MODALITY
from bench.jobs import edit_is_local, job_peaks, job_seconds, rule_means, rule_peaks
from bench.report import Results, Row, judged, project_build

HOW = " (bench/run --cases 30x1000,100x5000 --full)"
SEEDS = "floor (seed evidence)"
BIG = "M=100 N=5000"
BIG_LABEL = "100 modalities × 5,000 studies"


def report(results: Results) -> str:
    """The table, the verdict and what failed, and the run's end."""
    lines = verdict(results.rows, results.declared) + results.failures
    return f"\n{results.table()}\n\n" + "\n".join("- " + line for line in lines) + f"\n\n{results.finished}"


def measured(rows: dict[str, Row], *names: str) -> bool:
    return all(rows.get(name) and rows[name].runs for name in names)


def ratio_target(rows: dict[str, Row], build: str, floor: str, limit: float) -> str:
    """`build`'s wall time over `floor`'s, judged against `limit`; only finished runs count."""
    if not measured(rows, build, floor):
        return "not measured"
    if rows[build].capped or rows[floor].capped:
        which = " and ".join(n for n in (build, floor) if rows[n].capped)
        return f"{which} capped before the end -> not shown (run with --full)"
    b, f = rows[build].median("wall"), rows[floor].median("wall")
    return f"{b:.1f} s / {f:.1f} s = {b / f:.2f}× -> " + judged(b / f <= limit, f"by {b / f / limit:.2f}×")


def job_target(rows: dict[str, Row], case: str, rule: str, limit: float) -> str:
    """The longest `rule` job of the build of `case` (its benchmark files) against `limit` seconds:
    shown once every job of the rule finished, or as soon as one is over."""
    row = rows.get(f"build {case}")
    if not row or not row.runs:
        return "not measured" + HOW
    run = row.runs[0]
    times = job_seconds(run, rule)
    total = run.extra.get("totals", {}).get(rule)
    count = f" ({len(times)} jobs)" if len(times) > 1 else ""
    if not times:
        return f"{rule} not reached" + (" within the cap" if row.capped else "") + " -> not shown"
    longest = max(times)
    if longest >= limit:
        return f"{longest:.1f} s{count} -> MISSES"
    if row.capped and (total is None or len(times) < total):
        return f"{len(times)}/{total or '?'} done, longest so far {longest:.1f} s, capped -> not shown"
    return f"{longest:.1f} s{count} -> HOLDS"


def edit_target(rows: dict[str, Row]) -> str:
    if not measured(rows, "one-study edit", "cold build"):
        return "not measured"
    share = rows["one-study edit"].median("wall") / rows["cold build"].median("wall")
    run = rows["one-study edit"].runs[-1]
    ran = [(r, m) for r, m in run.extra["ran"]]  # pairs again: lists when read back from --json
    modality = run.extra["edited"][2]
    touched = sorted({m for _, m in ran if m})
    local = edit_is_local(ran, modality)
    misses = ([f"{share * 100 - 30:.0f} points over"] if share > 0.3 else []) + ([] if local else ["not local"])
    where = "only " + modality if local else "touched " + ", ".join(touched)
    return f"{share * 100:.0f} %, {where} -> " + judged(share <= 0.3 and local, "; ".join(misses))


def seed_targets(rows: dict[str, Row]) -> list[str]:
    cold = "not measured"
    if measured(rows, "cold build"):
        wall = rows["cold build"].median("wall")
        cold = f"{wall:.1f} s -> " + judged(wall <= 15, f"by {wall - 15:.1f} s")
    lines = [f"seeds: cold build ≤ 15 s (wall): {cold}"]
    lines.append("seeds: cold build ≤ 1.2× the floor (wall): " + ratio_target(rows, "cold build", SEEDS, 1.2))
    lines.append(f"seeds: one-study edit ≤ 30 % of the cold build, and local: {edit_target(rows)}")
    noop = "not measured"
    if measured(rows, "no-op rebuild") and rows.get("snakemake --version"):
        gap = rows["no-op rebuild"].median("wall") - rows["snakemake --version"].median("wall")
        noop = f"{gap:+.2f} s -> " + judged(gap <= 0.5, f"by {gap - 0.5:.2f} s")
    lines.append(f"seeds: no-op within 0.5 s of snakemake --version: {noop}")
    notebook = "not measured"
    if measured(rows, NOTEBOOK_ROW):
        wall, runs = rows[NOTEBOOK_ROW].median("wall"), len(rows[NOTEBOOK_ROW].runs)
        notebook = f"{wall:.2f} s (median of {runs}) -> " + judged(wall <= 1.0, f"by {wall - 1.0:.2f} s")
    lines.append(f"a modality notebook job's fixed cost ≤ 1 s ({NOTEBOOK_ROW}): {notebook}")
    return lines


def memory_target(rows: dict[str, Row]) -> str:
    """Every job's peak under 1.5 GiB at 100 × 5,000: a job over misses whether or not the build finished."""
    big = rows.get(f"build {BIG}")
    if not big or not big.runs:
        return "not measured" + HOW
    peaks = job_peaks(big.runs)
    label, mib = max(peaks.items(), key=lambda item: item[1]) if peaks else ("no job", 0.0)
    if mib >= 1.5 * GIB:
        return f"{label} {mib:.0f} MiB -> MISSES"
    if not big.capped:
        return f"largest {label} {mib:.0f} MiB -> HOLDS"
    return f"largest so far {label} {mib:.0f} MiB, but the build was capped -> not shown"


def scale_targets(rows: dict[str, Row]) -> list[str]:
    case = "M=30 N=1000"
    cold = ratio_target(rows, f"build {case}", f"floor {case}", 1.0) + ("" if rows.get(f"build {case}") else HOW)
    return [
        f"30 modalities × 1,000 studies: cold build ≤ 1× the floor: {cold}",
        "30 modalities × 1,000 studies: the audit job < 10 s: " + job_target(rows, case, "audit", 10.0),
        f"{BIG_LABEL}: every job's peak < 1.5 GiB: {memory_target(rows)}",
        f"{BIG_LABEL}: the briefing_pdf job < 30 s: " + job_target(rows, BIG, "briefing_pdf", 30.0),
        f"{BIG_LABEL}: the longest modality_pdf job < 30 s: " + job_target(rows, BIG, "modality_pdf", 30.0),
        f"{BIG_LABEL}: the whole build within 3× the floor, finished: "
        + ratio_target(rows, f"build {BIG}", f"floor {BIG}", 3.0),
    ]


def declared_verdict(rows: dict[str, Row], declared: dict[str, int | None]) -> str:
    """Each rule's declared mem_mb against its jobs' largest measured peak over every build."""
    largest: dict[str, tuple[float, str, str]] = {}  # rule -> (MiB, job label, row)
    for name, row in rows.items():
        if name in ("cold build", "one-study edit") or name.startswith("build "):
            for rule, (mib, label) in rule_peaks(job_peaks(row.runs)).items():
                if rule not in largest or mib > largest[rule][0]:
                    largest[rule] = (mib, label, name)
    parts, misses = [], []
    for rule, (mib, label, name) in sorted(largest.items()):
        if rule not in declared:
            continue
        mem = declared[rule]
        parts.append(
            f"{rule} ? vs {mib:.0f}" if mem is None else f"{rule} {mem} {'≥' if mem >= mib else '<'} {mib:.0f}"
        )
        if mem is not None and mem < mib:
            misses.append(f"{label} in {name}")
    if not parts:
        return "declared mem_mb ≥ measured job peak: no job peak measured -> not shown"
    verdict_text = "HOLDS" if not misses else "MISSES: " + ", ".join(misses)
    return (
        "declared mem_mb ≥ measured job peak MiB (the largest over the builds): "
        + ", ".join(parts)
        + f" -> {verdict_text}"
    )


def growth_point(rows: dict[str, Row], m: int, n: int) -> str | None:
    row, dry = rows.get(f"build M={m} N={n}"), rows.get(f"dry run (DAG) M={m} N={n}")
    parts = []
    if dry and dry.runs:
        parts.append(f"dry run {'>' if dry.capped else ''}{dry.median('wall'):.1f} s")
    if row and row.runs:
        run = row.runs[0]
        total = project_build(run)[0] if row.capped else row.median("wall")
        if total is not None:
            parts.append(f"build {'≥' if row.capped else ''}{total:.0f} s")
        parts += [f"{k} {v:.1f} s/job" for k, v in rule_means(run).items() if k in PER_MODALITY]
    return f"M={m} N={n}: " + ", ".join(parts) if parts else None


def growth(rows: dict[str, Row]) -> list[str]:
    lines = []
    for label, keys in (
        ("studies at 100 modalities", [(100, n) for n in (50, 500, 5000)]),
        ("modalities at 500 studies", [(m, 500) for m in (7, 30, 100)]),
    ):
        points = [p for m, n in keys if (p := growth_point(rows, m, n))]
        if len(points) >= 2:
            lines.append(f"growth with {label}: " + " | ".join(points))
    return lines


def verdict(rows: dict[str, Row], declared: dict[str, int | None]) -> list[str]:
    """Issue 21's targets, then the declared memory against the measured, then the growth."""
    return seed_targets(rows) + scale_targets(rows) + [declared_verdict(rows, declared)] + growth(rows)
