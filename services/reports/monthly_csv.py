"""The monthly report as CSV: the dashboard's download and `report monthly --csv`.

Names of officers and places come from the roster file: a cell a spreadsheet would run as
a formula (`=HYPERLINK(…)`) is neutralised by `SafeWriter`.
"""

from __future__ import annotations

from services.core.csv_safe import SafeWriter
from services.reports.monthly import MonthlyReport

CSV_COLUMNS = ("nama", "telepon", "rw", "ditutup", "tepat_waktu", "pelanggaran", "dimaafkan",
               "pesan_gagal", "ketepatan", "kepuasan", "iki", "potongan_persen", "potongan_rp",
               "tpp_dasar", "tpp_setelah_potongan")


def report_csv(report: MonthlyReport) -> str:
    """The officers' table as CSV (phones masked), then regions and compensation."""
    writer = SafeWriter()
    writer.writerow(CSV_COLUMNS)
    for o in report.officers:
        writer.writerow([o.name, o.phone, o.rws, o.closed, o.on_time, o.breaches, o.excused,
                         o.failed_notices, f"{o.timeliness:.1f}", "" if o.satisfaction is None
                         else f"{o.satisfaction:.1f}", f"{o.iki:.1f}",
                         f"{o.deduction_percent:.2f}", o.deduction_rp, o.tpp_base, o.tpp_after])
    writer.writerow([])
    writer.writerow(("wilayah", "kecamatan", "kelurahan", "iko", "tiket_jatuh_tempo"))
    for r in report.kecamatan + report.kelurahan:
        writer.writerow(("kelurahan" if r.kelurahan else "kecamatan", r.kecamatan,
                         r.kelurahan or "", "" if r.iko is None else f"{r.iko:.1f}", r.due))
    writer.writerow([])
    writer.writerow(("kompensasi_tiket", "layanan", "rw", "menit_kerja_terlambat",
                     "hari_terlambat", "kompensasi_rp", "sudah_ditutup"))
    for c in report.compensation:
        writer.writerow((f"#{c.ticket}", c.service, c.rw, c.late_minutes, c.days, c.amount,
                         "ya" if c.closed else "belum"))
    return writer.getvalue()
