# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Rules the whole test run follows, whichever tests are selected.

* A skipped test is a failure. Odoo skips a browser tour without a word when Chromium or
  websocket-client is missing; here that makes the run fail with the reason.
* Every tour a tested module declares (static/tests/tours/*.js) must have been run to the end
  by some test: a last check item, ``every_browser_tour_ran``, fails otherwise. A module is tested
  when one of its browser tests (HttpCase) is collected, or, with DC_EXPECT_ALL_TOURS=1 as
  `make test` sets it, when any of its tests is.
"""

import logging
import os
import re
from pathlib import Path

import pytest

TOUR_DEFINITION = re.compile(r"""web_tour\.tours"\)\s*\.add\(\s*["']([\w.-]+)["']""")
_tours_completed = set()


class _TestFrameworkImportFilter(logging.Filter):
    """pytest-odoo imports Odoo's test framework before it enters test mode, which Odoo reports
    as an ERROR with a stack trace on every run; under pytest that import is expected."""

    def filter(self, record):
        return not record.getMessage().startswith("Importing test framework")


logging.getLogger("odoo.tests.common").addFilter(_TestFrameworkImportFilter())


def _module_root(path):
    for parent in Path(path).resolve().parents:
        if (parent / "__manifest__.py").is_file():
            return parent
    return None


def _is_browser_test(item):
    from odoo.tests import HttpCase

    cls = getattr(item, "cls", None)
    return isinstance(cls, type) and issubclass(cls, HttpCase)


def _declared_tours(items):
    tours = {}
    every_module = os.environ.get("DC_EXPECT_ALL_TOURS") == "1"
    roots = {
        root
        for item in items
        if (every_module or _is_browser_test(item)) and (root := _module_root(item.path))
    }
    for root in sorted(roots):
        for js in sorted((root / "static" / "tests" / "tours").glob("*.js")):
            for name in TOUR_DEFINITION.findall(js.read_text()):
                tours[name] = f"{root.name}/{js.relative_to(root)}"
    return tours


class TourCheck(pytest.Item):
    def __init__(self, *, expected, **kwargs):
        super().__init__(**kwargs)
        self.expected = expected

    def runtest(self):
        missing = {name: src for name, src in self.expected.items() if name not in _tours_completed}
        if missing:
            raise AssertionError(
                "Browser tours declared but not run to the end by any test:\n"
                + "\n".join(f"  {name} ({src})" for name, src in sorted(missing.items()))
            )

    def repr_failure(self, excinfo, style=None):
        return str(excinfo.value)

    def reportinfo(self):
        return self.path, None, "every_browser_tour_ran"


def pytest_configure(config):
    try:
        from odoo.tests import HttpCase
    except ImportError:  # plain pytest without Odoo: nothing to watch
        return
    if getattr(HttpCase.start_tour, "_distribution_watched", False):
        return
    original_start_tour = HttpCase.start_tour

    def start_tour(self, url_path, tour_name, *args, **kwargs):
        result = original_start_tour(self, url_path, tour_name, *args, **kwargs)
        _tours_completed.add(tour_name)
        return result

    start_tour._distribution_watched = True
    HttpCase.start_tour = start_tour


def pytest_collection_modifyitems(session, config, items):
    expected = _declared_tours(items)
    if expected:
        items.append(
            TourCheck.from_parent(
                session,
                name="every_browser_tour_ran",
                path=Path(__file__),
                nodeid="conftest.py::every_browser_tour_ran",
                expected=expected,
            )
        )
        config._distribution_tours = expected


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = (
            f"Skipped tests are not allowed in this suite ({reason}). A browser test skips when "
            "Chromium or websocket-client is missing (make test installs both) or when pytest "
            "runs without --odoo-http."
        )


def pytest_terminal_summary(terminalreporter):
    expected = getattr(terminalreporter.config, "_distribution_tours", None)
    if expected:
        ran = sorted(name for name in expected if name in _tours_completed)
        terminalreporter.write_sep("-", "browser tours")
        terminalreporter.write_line(
            f"browser tours run to the end: {len(ran)} of {len(expected)} declared"
            + (f" ({', '.join(ran)})" if ran else "")
        )
