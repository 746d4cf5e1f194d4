"""The tier runner behind `make test`: counts from JUnit files, missing folders, crashes."""

from __future__ import annotations

from devstack import testrun


def write(path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_a_tier_counts_passed_failed_and_skipped(tmp_path):
    write(
        tmp_path / "pkg" / "tests" / "test_some.py",
        "import pytest\n"
        "def test_ok(): pass\n"
        "def test_ko(): assert False\n"
        "@pytest.mark.skip(reason='plus tard')\n"
        "def test_later(): pass\n"
        "@pytest.fixture\n"
        "def broken(): raise RuntimeError\n"
        "def test_error(broken): pass\n",
    )
    (tmp_path / testrun.RESULTS).mkdir()
    tier = testrun.Tier("unit", ["pkg/tests", "missing/tests", "*/tests/unit"])
    outcome = testrun.run_tier(tier, tmp_path, ["-p", "no:cacheprovider"])
    assert (outcome.passed, outcome.failed, outcome.skipped) == (1, 2, 1)
    assert outcome.returncode == 1
    assert (tmp_path / "test-results" / "unit.xml").exists()


def test_a_tier_without_folders_is_not_run(tmp_path):
    outcome = testrun.run_tier(testrun.Tier("e2e+browser", ["tests/e2e"]), tmp_path, [])
    assert outcome.returncode is None
    assert (outcome.passed, outcome.failed, outcome.skipped) == (0, 0, 0)


def test_a_tier_that_collects_nothing_is_not_a_failure(tmp_path):
    write(tmp_path / "tests" / "contract" / "helpers.py", "X = 1\n")
    (tmp_path / testrun.RESULTS).mkdir()
    tier = testrun.Tier("contract", ["tests/contract"])
    outcome = testrun.run_tier(tier, tmp_path, ["-p", "no:cacheprovider"])
    assert outcome.returncode == 5
    assert outcome.failed == 0


def test_a_pytest_that_stops_without_results_counts_as_one_failure(tmp_path):
    write(tmp_path / "tests" / "e2e" / "test_x.py", "def test_x(): pass\n")
    (tmp_path / testrun.RESULTS).mkdir()
    tier = testrun.Tier("e2e+browser", ["tests/e2e"], ["-p", "no_such_plugin_here"])
    outcome = testrun.run_tier(tier, tmp_path, [])
    assert outcome.returncode not in (0, 5)
    assert outcome.failed == 1
    assert outcome.note.startswith("pytest exited with")
