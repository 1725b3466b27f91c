"""A pytest plugin that writes the validation trace: each 21 CFR Part 11 requirement, the tests
that give evidence for it (`@pytest.mark.req("11.10(e)")`) and how they ended in this run.

`make test` passes `--validation-report=docs/validation.md` as one word: written with a space,
pytest would take the existing file for a test path before this plugin is loaded.
"""

from collections import defaultdict
from pathlib import Path

# The Part 11 requirements of the regulatory reference, section 1, with what answers them.
REQUIREMENTS = [
    ("11.10(a)", "Validation; the system detects altered records", "test suite; audit hash chain"),
    ("11.10(b)", "Accurate and complete copies, human-readable and electronic", "pages, API, CSV"),
    ("11.10(c)", "Records protected and retrievable for the retention period", "no hard deletes"),
    ("11.10(d)", "Access limited to authorised people", "per-site scoping and role matrix"),
    ("11.10(e)", "Secure, time-stamped audit trail; earlier values never obscured", "audit trail"),
    ("11.10(f)", "Operational checks enforce the permitted sequence of steps", "transition tables"),
    ("11.10(g)", "Authority checks on who may sign, alter or use the system", "can(), services"),
    ("11.10(h)", "Device checks: the source of input", "address and request id on events"),
    ("11.10(i)", "People are trained for their tasks", "training records; the qualification gate"),
    ("11.10(j)", "Written accountability for e-signatures", "policy acknowledgement"),
    ("11.10(k)", "Control of system documentation", "docs/ under version control"),
    ("11.50", "Signed records show printed name, date and time, and meaning", "manifestation"),
    ("11.70", "Signatures linked to their records; cannot be copied", "content hash per version"),
    ("11.100", "Signatures unique to one person; never reused or reassigned", "no deletes"),
    ("11.200(a)", "Two components; first signing both, later the password", "signing rules"),
    ("11.300", "Controls for passwords: lockout and alerts on unauthorised attempts", "lockout"),
]


def pytest_addoption(parser):
    parser.addoption(
        "--validation-report",
        metavar="PATH",
        default=None,
        help="write the requirement-to-test trace (Markdown) to PATH",
    )


class _Trace:
    def __init__(self, path: Path):
        self.path = path
        self.tests: dict[str, dict[str, str]] = defaultdict(dict)

    def pytest_collection_modifyitems(self, items):
        for item in items:
            for marker in item.iter_markers("req"):
                for requirement in marker.args:
                    self.tests[requirement][item.nodeid] = "not run"

    def pytest_runtest_logreport(self, report):
        for tests in self.tests.values():
            if report.nodeid not in tests:
                continue
            if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
                tests[report.nodeid] = report.outcome
            if report.when == "teardown" and report.outcome == "failed":
                tests[report.nodeid] = "failed"

    def pytest_sessionfinish(self, session):
        known = {rid for rid, _, _ in REQUIREMENTS}
        unknown = sorted(set(self.tests) - known)
        lines = [
            "# Validation trace: 21 CFR Part 11",
            "",
            "Written by `make test` (pytest `--validation-report`); do not edit by hand. Each",
            "requirement of the regulatory reference lists the automated tests that give",
            "evidence for it, marked in the code with `@pytest.mark.req(...)`, and how each",
            "ended in the run that wrote this file.",
            "",
        ]
        total = sum(len(tests) for tests in self.tests.values())
        passed = sum(
            1 for tests in self.tests.values() for outcome in tests.values() if outcome == "passed"
        )
        lines += [f"Evidence in this run: {passed} of {total} requirement-marked tests passed.", ""]
        for rid, text, answer in REQUIREMENTS:
            tests = self.tests.get(rid, {})
            lines.append(f"## {rid} — {text}")
            lines.append("")
            lines.append(f"Answered by: {answer}.")
            lines.append("")
            if not tests:
                lines.append("- No automated test yet.")
            for nodeid in sorted(tests):
                lines.append(f"- `{nodeid}` — {tests[nodeid]}")
            lines.append("")
        if unknown:
            lines.append("## Marked with an unknown requirement id")
            lines.append("")
            lines += [f"- `{rid}`: {', '.join(sorted(self.tests[rid]))}" for rid in unknown]
            lines.append("")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text("\n".join(lines))


def pytest_configure(config):
    path = config.getoption("--validation-report")
    if path and not getattr(config, "workerinput", None):
        config.pluginmanager.register(_Trace(Path(path)), "imaging-ops-validation-trace")
