"""The self-contained HTML report of a run directory."""

from agent.report.page import REPORT_FILE, build_report

__all__ = ["REPORT_FILE", "build_report"]
