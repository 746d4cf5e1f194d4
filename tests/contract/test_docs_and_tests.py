"""The guides cite files that exist, and no test can pass by not running.

A path in backquotes in a guide (``tests/contract/test_kubernetes.py``, ``services/*/tests``)
must exist, from the repository root or from the guide's own folder. A test that skips
itself, or is expected to fail, would turn a tier green without proving anything: the test
files call none of pytest's skip or xfail helpers.
"""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GUIDES = ["README.md", "docs/*.md", "*/README.md", "services/*/README.md"]
TOP_FOLDERS = {"tests", "services", "chassis", "contracts", "gateway", "devstack", "bench"}
TOP_FOLDERS |= {"k8s", "docs", "deploy"}
CITED_PATH = re.compile(r"`([\w.*/-]+/[\w.*/-]*)`")
SKIPPING = {"skip", "skipif", "importorskip", "xfail", "skipTest", "SkipTest"}
TEST_FILES = ["tests/**/*.py", "*/tests/**/*.py", "services/*/tests/**/*.py"]


def guides() -> list[Path]:
    return sorted({path for pattern in GUIDES for path in ROOT.glob(pattern)})


def test_every_path_the_guides_cite_exists():
    missing = []
    for guide in guides():
        for match in CITED_PATH.finditer(guide.read_text(encoding="utf-8")):
            cited = match.group(1).rstrip("/")
            if cited.split("/")[0] not in TOP_FOLDERS:
                continue
            if not (list(ROOT.glob(cited)) or list(guide.parent.glob(cited))):
                missing.append(f"{guide.relative_to(ROOT)}: {cited}")
    assert missing == []


def skipping_calls(path: Path) -> list[str]:
    """``pytest.skip(...)``, ``@pytest.mark.skipif``, ``importorskip``... in a test file."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        name = getattr(node, "attr", None) or getattr(node, "id", None)
        if name in SKIPPING:
            found.append(f"{path.relative_to(ROOT)}:{node.lineno} {name}")
    return found


def test_no_test_skips_itself():
    files = sorted({path for pattern in TEST_FILES for path in ROOT.glob(pattern)})
    files = [path for path in files if ".venv" not in path.parts]
    assert len(files) > 20, "the test files were not found"
    assert [call for path in files for call in skipping_calls(path)] == []
