"""`demo [--days N] [--seed S]`: the demo roster and a few working days of real use."""

from __future__ import annotations

import sys
import time

import click
from flask.cli import with_appcontext

from cli.common import echo_template, runtime
from services.demo.play import (
    DEFAULT_DAYS,
    DEFAULT_PER_DAY,
    DemoOptions,
    DemoRefused,
    check_database,
    example_people,
    import_demo_roster,
    plan_demo,
    play_demo,
)


@click.command("demo", help="Isi basis data dengan roster demo seluruh Surabaya dan beberapa "
                            "hari kerja pemakaian (transport console, tidak ada yang dikirim).")
@click.option("--days", type=click.IntRange(1, 60), default=DEFAULT_DAYS, show_default=True,
              help="Hari kerja yang dimainkan, berakhir pada hari kerja terakhir sebelum hari ini.")
@click.option("--seed", type=int, default=1, show_default=True,
              help="Benih acak: benih yang sama memberi tiket yang sama.")
@click.option("--per-day", type=click.IntRange(0, 5000), default=DEFAULT_PER_DAY,
              show_default=True, help="Permohonan acak per hari kerja.")
@with_appcontext
def demo_command(days: int, seed: int, per_day: int) -> None:
    rt = runtime()
    options = DemoOptions(days=days, seed=seed, per_day=per_day)
    try:
        check_database(rt, options)
    except DemoRefused as refusal:
        played = refusal.code == "already_played"
        echo_template("demo_refused.txt", err=not played, refusal=refusal)
        sys.exit(0 if played else 1)
    roster, balai = import_demo_roster(rt, options)
    echo_template("roster_import.txt", err=not roster.ok, result=roster,
                  file=options.roster.name)
    if balai is not None:
        echo_template("balai_import.txt", err=not balai.ok, result=balai,
                      file=options.balai.name)
    if not roster.ok or balai is None or not balai.ok:
        sys.exit(1)
    plan = plan_demo(rt, options, rt.today())
    started = time.perf_counter()
    label = f"{len(plan.days)} hari kerja, {plan.days[0]:%d %b} – {plan.days[-1]:%d %b %Y}"
    with click.progressbar(length=plan.ticks, label=label, width=30) as bar:
        result = play_demo(rt, rt.handler, options, plan, on_tick=lambda: bar.update(1))
    echo_template("demo_done.txt", result=result, seconds=time.perf_counter() - started,
                  people=example_people(rt), base_url=rt.settings.public_base_url)
