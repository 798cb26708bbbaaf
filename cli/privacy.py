"""`privacy purge --older-than 365d`: remove personal data of long-closed tickets."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from cli.common import echo_template, runtime
from services.core.texts import render_file
from services.privacy import PrivacyError, parse_age, purge_personal_data


@click.group("privacy", help="Data pribadi warga (UU 27/2022).", cls=AppGroup)
def privacy_group() -> None:
    pass


@privacy_group.command("purge", help="Hapus data pribadi (NIK, nomor KK, keperluan, lampiran, "
                                     "isi pesan, nomor warga) tiket yang sudah ditutup lebih "
                                     "lama dari --older-than. Laporan dan buku potongan tetap.")
@click.option("--older-than", "older_than", required=True, metavar="HARI",
              help="Umur sejak tiket ditutup, dalam hari, misalnya 365d.")
@click.option("--dry-run", is_flag=True, help="Hitung saja, tanpa mengubah apa pun.")
def purge_command(older_than: str, dry_run: bool) -> None:
    try:
        age = parse_age(older_than)
    except PrivacyError as exc:
        raise click.BadParameter(render_file("cli/privacy_error.txt", error=exc),
                                 param_hint="--older-than") from None
    rt = runtime()
    now = rt.now()
    result = purge_personal_data(rt, age, now=now, dry_run=dry_run)
    echo_template("privacy_purge.txt", result=result, dry_run=dry_run,
                  cutoff=(now - age).astimezone(rt.settings.zone))
