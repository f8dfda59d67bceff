"""`burnrate generate`: the click command (the main CLI registers `command`)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from burnrate.generate import generate

STAGES = {"traffic": "Requests (days)", "billing": "Cloud bills", "dcgm": "GPU metrics", "labels": "Labels"}


@click.command("generate")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("data/demo"),
    show_default=True,
    help="Output folder (previous generator output in it is replaced).",
)
@click.option(
    "--days",
    type=click.IntRange(min=1),
    default=30,
    show_default=True,
    help="Days of data, ending the day before --end-date.",
)
@click.option(
    "--requests-per-day",
    type=click.IntRange(min=1),
    default=10_000,
    show_default=True,
    help="Average LLM requests per day (anomalies add a few more).",
)
@click.option(
    "--seed",
    type=int,
    default=1,
    show_default=True,
    help="Random seed for traffic and anomaly placement; the company structure never changes.",
)
@click.option(
    "--end-date",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default="2026-11-20",
    show_default=True,
    help="Exclusive end date (UTC); data covers [end-date - days, end-date).",
)
def command(out: Path, days: int, requests_per_day: int, seed: int, end_date) -> None:
    """Generate the demo workload: one fictional company's LLM logs (Langfuse, Helicone), cloud bills
    (FOCUS 1.2, AWS CUR 2.0, Azure and GCP native exports), NVIDIA DCGM GPU metrics, and the ground truth
    (labels/anomaly_labels.csv, labels/budget_labels.csv, manifest.json economics).

    Same arguments give a byte-identical output tree.
    """
    console = Console(stderr=True)
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    ) as bar:
        tasks: dict[str, int] = {}

        def progress(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(STAGES.get(stage, stage), total=total)
            bar.update(tasks[stage], completed=done, total=total)

        manifest = generate(
            out,
            days=days,
            requests_per_day=requests_per_day,
            seed=seed,
            end_date=end_date.date() if hasattr(end_date, "date") else date.fromisoformat(end_date),
            progress=progress,
        )
    labels = manifest["artifacts"]["labels"]
    console.print(
        f"[green]Wrote[/green] {out}: {manifest['requests']['total']:,} requests "
        f"({manifest['start_date']} .. {manifest['end_date']} excl.), {labels['anomalies']} labelled "
        f"anomalies, teams over budget: {', '.join(labels['over_budget_teams']) or 'none'}"
    )
    click.echo(
        json.dumps(
            {"out": str(out), "requests": manifest["requests"]["total"], "anomalies": labels["anomalies"]}
        )
    )


if __name__ == "__main__":  # python -m burnrate.generate.cli
    command()
