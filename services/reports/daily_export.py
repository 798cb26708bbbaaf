"""The day's output as CSV (spreadsheets) and as JSON (docs/DAILY_EXPORT.md, for an
integration that posts it to e-Performance). Both name each officer's NIP on every row."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from services.core.csv_safe import SafeWriter
from services.reports.daily import DailyReport, OfficerDay

SCHEMA = "layanan-rw/daily-output/v1"
OFFICER_COLUMNS = ("tanggal", "nip", "nama", "telepon", "cuti", "tiket_masuk", "diterima",
                   "selesai_tepat_waktu", "selesai_terlambat", "ditolak", "dialihkan",
                   "pelanggaran", "dimaafkan")
TICKET_COLUMNS = ("tanggal", "nip", "nama", "tiket", "layanan", "rw", "hasil", "diajukan",
                  "ditutup", "menit_kerja", "tepat_waktu", "alasan", "bukti")


def _local(value, zone: ZoneInfo) -> str:
    return value.astimezone(zone).isoformat(timespec="seconds")


def _ticket_rows(day: str, o: OfficerDay, zone: ZoneInfo) -> list[list[Any]]:
    rows: list[list[Any]] = [
        [day, o.nip or "", o.name, f"#{t.number}", t.service, t.rw, "selesai",
         _local(t.submitted_at, zone), _local(t.closed_at, zone), t.working_minutes,
         "ya" if t.on_time else "tidak", "", " ".join(t.evidence)] for t in o.finished]
    rows += [[day, o.nip or "", o.name, f"#{t.number}", t.service, t.rw, "ditolak", "",
              _local(t.closed_at, zone), "", "", t.reason, ""] for t in o.rejected]
    return rows


def daily_csv(report: DailyReport, zone: ZoneInfo) -> str:
    """One row per officer, then one per ticket they closed (phones masked, no NIK)."""
    out, day = SafeWriter(), report.day.isoformat()
    out.writerow(OFFICER_COLUMNS)
    for o in report.officers:
        out.writerow([day, o.nip or "", o.name, o.phone, "ya" if o.on_leave else "tidak",
                      o.received, o.acknowledged, o.finished_on_time, o.finished_late,
                      len(o.rejected), o.transferred, o.breaches, o.excused])
    out.writerow([])
    out.writerow(TICKET_COLUMNS)
    for o in report.officers:
        for row in _ticket_rows(day, o, zone):
            out.writerow(row)
    return out.getvalue()


def _officer_dict(o: OfficerDay, zone: ZoneInfo) -> dict[str, Any]:
    return {
        "officer_id": o.officer_id, "nip": o.nip, "name": o.name, "phone": o.phone,
        "on_leave": o.on_leave, "received": o.received, "acknowledged": o.acknowledged,
        "finished_on_time": o.finished_on_time, "finished_late": o.finished_late,
        "rejected": len(o.rejected), "transferred": o.transferred, "breaches": o.breaches,
        "excused": o.excused,
        "finished": [{"ticket": t.number, "service": t.service, "rw": t.rw,
                      "submitted_at": _local(t.submitted_at, zone),
                      "closed_at": _local(t.closed_at, zone),
                      "working_minutes": t.working_minutes, "on_time": t.on_time,
                      "evidence": list(t.evidence)} for t in o.finished],
        "rejections": [{"ticket": t.number, "service": t.service, "rw": t.rw,
                        "closed_at": _local(t.closed_at, zone), "reason": t.reason}
                       for t in o.rejected],
    }


def daily_dict(report: DailyReport, zone: ZoneInfo, scope: str) -> dict[str, Any]:
    """The JSON export, in the shape docs/DAILY_EXPORT.md describes."""
    return {"schema": SCHEMA, "date": report.day.isoformat(),
            "generated_at": _local(report.generated_at, zone), "scope": scope,
            "working_day": report.working_day,
            "officers": [_officer_dict(o, zone) for o in report.officers]}
