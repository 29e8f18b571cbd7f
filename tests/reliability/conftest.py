"""The reliability tests' end-of-run summary (RSS growth, programs compared, fuzz calls)."""

import reliability_support


def pytest_terminal_summary(terminalreporter):
    if reliability_support.LINES:
        terminalreporter.section("tapegrad reliability")
        for line in reliability_support.LINES:
            terminalreporter.write_line(line)
