"""`roster import FILE`: load officers, backups and supervisors."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from cli.common import echo_template, runtime
from services.roster.apply import import_roster
from services.roster.balai import import_balai


@click.group("roster", help="Daftar petugas dan pengawas.", cls=AppGroup)
def roster_group() -> None:
    pass


@roster_group.command("import", help="Impor roster CSV (semua atau tidak sama sekali).")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_command(file: Path) -> None:
    result = import_roster(runtime(), file.read_bytes())
    echo_template("roster_import.txt", err=not result.ok, result=result, file=file.name)
    if not result.ok:
        sys.exit(1)


@roster_group.command("balai", help="Impor koordinat balai RW (CSV).")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def balai_command(file: Path) -> None:
    result = import_balai(runtime(), file.read_bytes())
    echo_template("balai_import.txt", err=not result.ok, result=result, file=file.name)
    if not result.ok:
        sys.exit(1)
