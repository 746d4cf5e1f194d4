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
    tier = testrun.Tier("unit", ["pkg/tests"])
    outcome = testrun.run_tier(tier, tmp_path, ["-p", "no:cacheprovider"])
    assert (outcome.passed, outcome.failed, outcome.skipped) == (1, 2, 1)
    assert outcome.returncode == 1
    assert (tmp_path / "test-results" / "unit.xml").exists()


def test_a_tier_without_folders_is_a_failure(tmp_path):
    outcome = testrun.run_tier(testrun.Tier("e2e+browser", ["tests/e2e"]), tmp_path, [])
    assert outcome.returncode is None
    assert (outcome.passed, outcome.failed, outcome.skipped) == (0, 1, 0)
    assert outcome.note == "missing folder: tests/e2e"


def test_a_missing_folder_fails_the_tier_even_when_the_others_pass(tmp_path):
    write(
        tmp_path / "services" / "billing" / "tests" / "unit" / "test_a.py", "def test_a(): pass\n"
    )
    write(tmp_path / "services" / "family" / "tests" / "integration" / "x.py", "X = 1\n")
    write(tmp_path / "gateway" / "tests" / "test_b.py", "def test_b(): pass\n")
    (tmp_path / testrun.RESULTS).mkdir()
    tier = testrun.Tier("unit", ["gateway/tests", "services/*/tests/unit", "chassis/tests/unit"])
    outcome = testrun.run_tier(tier, tmp_path, ["-p", "no:cacheprovider"])
    assert outcome.returncode == 0
    assert (outcome.passed, outcome.failed) == (2, 1)
    assert outcome.note == "missing folder: services/family/tests/unit, chassis/tests/unit"


def test_a_tier_that_collects_nothing_is_a_failure(tmp_path):
    write(tmp_path / "tests" / "contract" / "helpers.py", "X = 1\n")
    (tmp_path / testrun.RESULTS).mkdir()
    tier = testrun.Tier("contract", ["tests/contract"])
    outcome = testrun.run_tier(tier, tmp_path, ["-p", "no:cacheprovider"])
    assert outcome.returncode == 5
    assert outcome.failed == 1
    assert outcome.note == "no test collected"


def test_make_test_fails_when_a_tier_collects_nothing(tmp_path, monkeypatch):
    write(tmp_path / "tests" / "contract" / "helpers.py", "X = 1\n")
    write(tmp_path / "pkg" / "tests" / "test_ok.py", "def test_ok(): pass\n")
    tiers = [testrun.Tier("unit", ["pkg/tests"]), testrun.Tier("contract", ["tests/contract"])]
    monkeypatch.setattr(testrun, "REPO_ROOT", tmp_path)
    monkeypatch.setattr(testrun, "TIERS", tiers)
    monkeypatch.delenv("TEST_TIERS", raising=False)
    assert testrun.main(["-p", "no:cacheprovider"]) == 1


def test_the_repository_has_every_folder_its_tiers_name():
    assert [(tier.name, tier.missing(testrun.REPO_ROOT)) for tier in testrun.TIERS] == [
        (tier.name, []) for tier in testrun.TIERS
    ]


def test_a_pytest_that_stops_without_results_counts_as_one_failure(tmp_path):
    write(tmp_path / "tests" / "e2e" / "test_x.py", "def test_x(): pass\n")
    (tmp_path / testrun.RESULTS).mkdir()
    tier = testrun.Tier("e2e+browser", ["tests/e2e"], ["-p", "no_such_plugin_here"])
    outcome = testrun.run_tier(tier, tmp_path, [])
    assert outcome.returncode not in (0, 5)
    assert outcome.failed == 1
    assert outcome.note.startswith("pytest exited with")
