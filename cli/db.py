"""`db upgrade|downgrade|current`: the schema through Alembic."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from cli.common import runtime
from services.core import schema


@click.group("db", help="Skema basis data (Alembic).", cls=AppGroup)
def db_group() -> None:
    pass


@db_group.command("upgrade", help="Migrasikan basis data ke revisi terbaru.")
@click.option("--revision", default="head", show_default=True)
def upgrade(revision: str) -> None:
    rt = runtime()
    schema.upgrade(rt.engine, revision, settings=rt.settings)
    click.echo(f"Basis data pada revisi {schema.current_revision(rt.engine)} "
               f"({rt.engine.url.render_as_string(hide_password=True)}).")


@db_group.command("downgrade", help="Turunkan skema ke revisi tertentu (`base` = kosong).")
@click.argument("revision")
def downgrade(revision: str) -> None:
    rt = runtime()
    schema.downgrade(rt.engine, revision)
    click.echo(f"Basis data pada revisi {schema.current_revision(rt.engine) or 'base'}.")


@db_group.command("current", help="Tampilkan revisi skema saat ini.")
def current() -> None:
    click.echo(schema.current_revision(runtime().engine) or "base")
