#!/usr/bin/env python3
"""Prints the `swift test --filter` pattern for the tests of one pass that did not pass.

Usage: deploy/tests-to-rerun.py LIST LOG [--filter REGEX] [--skip REGEX]

LIST is what `swift test list` printed (one test id a line, `Module.Suite/function()`), LOG what
the pass printed; --filter and --skip are the pass's own. A test of the pass did not pass when the
log has no "Test NAME passed after" line for it and no "Suite SUITE passed after" line for its
suite: it failed, it was still running when the pass was stopped, or it never started (a pass
stopped early, or a test process that crashed).

deploy/test runs those tests a second time: a test that failed only because two cores were starved
by hundreds of others gets a run of its own, and one that fails again fails the run. The ids go to
standard error, one a line, so the run's output names every test that needed a second run.

Exit status: 0 with the pattern on standard output; 1 when every test of the pass passed (nothing
to run again); 2 when the list holds no test of the pass (the pattern could not be made).
"""
import argparse
import re
import sys


def passed_names(log_text: str) -> tuple[set[str], set[str]]:
    """The tests and suites the log says passed, as Swift Testing names them in its output."""
    tests, suites = set(), set()
    for line in log_text.splitlines():
        if match := re.search(r"\bTest (.+?)(?: with \d+ test cases?)? passed after ", line):
            tests.add(match.group(1))
        elif match := re.search(r"\bSuite (.+?) passed after ", line):
            suites.add(match.group(1))
    return tests, suites


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("list")
    parser.add_argument("log")
    parser.add_argument("--filter")
    parser.add_argument("--skip")
    arguments = parser.parse_args()

    with open(arguments.list, encoding="utf-8", errors="replace") as file:
        ids = [line.strip() for line in file if "/" in line and "(" in line]
    with open(arguments.log, encoding="utf-8", errors="replace") as file:
        passed_tests, passed_suites = passed_names(file.read())

    in_pass = [test_id for test_id in ids
               if (not arguments.filter or re.search(arguments.filter, test_id))
               and not (arguments.skip and re.search(arguments.skip, test_id))]
    if not in_pass:
        return 2
    again = []
    for test_id in in_pass:
        components = test_id.split("/")
        function = next(part for part in reversed(components) if "(" in part)
        suite = components[-2] if len(components) > 1 else ""
        suite = suite.rsplit(".", 1)[-1]
        if function in passed_tests or suite in passed_suites:
            continue
        again.append(test_id)
    if not again:
        return 1
    for test_id in again:
        print(f"      {test_id}", file=sys.stderr)
    # Swift Testing matches --filter against each test's id, as `swift test list` prints it.
    print("|".join(re.escape(test_id) for test_id in again))
    return 0


if __name__ == "__main__":
    sys.exit(main())
