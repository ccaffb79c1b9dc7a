"""The weekly operations report and the what-if scenario page (self-contained HTML)."""

from staffing.report.inputs import ReportInputs
from staffing.report.render import render_report, render_scenarios

__all__ = ["ReportInputs", "render_report", "render_scenarios"]
