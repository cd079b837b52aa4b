"""Fixtures of the report tests."""
from __future__ import annotations

import pytest

from tests.workflow.report.sample import reference_report
from workflow.report import ReportData


@pytest.fixture
def reference_data() -> ReportData:
    return reference_report()
