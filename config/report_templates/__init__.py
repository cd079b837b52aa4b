"""Default narrative templates of the yearly report (data files; see docs/report.md)."""
