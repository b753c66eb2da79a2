"""The README's enable_audit benchmark section is what benchmarks/enable_audit_readme.py renders from the results of
benchmarks/enable_audit_fleet.py, written between README.md's markers only, and a second write changes nothing.
No sandbox: the results dict is given; the README is a copy of the checkout's (its markers must be there)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

CHECKOUT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(CHECKOUT / "benchmarks"))

import enable_audit_readme as readme  # noqa: E402


def run(run: str, clusters: int, **figures) -> dict:
    base = {"run": run, "clusters": clusters, "wall": 10.0, "cpu": 8.0, "processes": 12, "task_hosts": 40,
            "reads": 30, "writes": 0, "changed": 0}
    return {**base, **figures}


RESULTS = {
    "date": "2026-12-02", "machine": "Linux x86_64, Test CPU", "cores": 2,
    "options": "--clusters 1 50 --slices 4 --slice-clusters 200 --reboot-delay 3 --stream-delay 3 --forks 20",
    "delays": {"reboot": 3.0, "stream": 3.0}, "forks": 20,
    "runs": [run("first", 1, wall=29.94, processes=41, reads=72, writes=9, changed=14), run("again", 1),
             run("first", 50, wall=378.1, processes=900, reads=2580, writes=380, changed=600),
             run("again", 50, wall=21.5, processes=12, reads=100)],
    "slices": {"slices": 4, "clusters": 200, "converged": False,
               "problems": ["first run: slice 2: demo-cluster-02: task 'Create the key' (kms_key_by_alias): exists"],
               "runs": [run("first", 200, wall=600.0, processes=3000, reads=9000, writes=1500, changed=2400),
                        run("again", 200, wall=40.0, processes=48, reads=400)]},
    "ratios": [{"name": "re-run wall, 50 clusters / 1", "value": "2.15", "target": "<= 3", "result": "PASS"},
               {"name": "4 slices of 200 converge", "value": "no", "target": "yes", "result": "FAIL"}],
}


@pytest.fixture
def readme_copy(tmp_path: Path) -> Path:
    path = tmp_path / "README.md"
    path.write_text((CHECKOUT / "README.md").read_text(encoding="utf-8"), encoding="utf-8")
    return path


def between_markers(text: str) -> str:
    start, end = text.index(readme.BEGIN) + len(readme.BEGIN), text.index(readme.END)
    return text[start:end]


def test_the_checkout_readme_has_one_section():
    text = (CHECKOUT / "README.md").read_text(encoding="utf-8")
    assert text.count(readme.BEGIN) == 1 and text.count(readme.END) == 1
    assert text.index(readme.BEGIN) < text.index(readme.END)
    assert "`benchmarks/enable_audit_fleet.py`" in between_markers(text)


def test_the_rendered_table_is_what_lands_between_the_markers(readme_copy: Path):
    before = readme_copy.read_text(encoding="utf-8")
    assert readme.write(readme_copy, RESULTS) is True
    after = readme_copy.read_text(encoding="utf-8")
    assert between_markers(after) == "\n" + readme.render(RESULTS)
    # Nothing outside the markers moved.
    assert after[:after.index(readme.BEGIN)] == before[:before.index(readme.BEGIN)]
    assert after[after.index(readme.END):] == before[before.index(readme.END):]


def test_the_table_holds_every_run_the_slices_and_the_ratios():
    section = readme.render(RESULTS)
    prose = " ".join(section.split("\n\n", 1)[0].split())
    assert "Measured 2026-12-02 on Linux x86_64, Test CPU (2 cores), forks 20" in prose
    assert f"`{RESULTS['options']}`" in prose
    assert max(len(line) for line in section.split("\n\n", 1)[0].splitlines()) <= readme.WIDTH
    assert "| 1 | first | 29.9 | 8.0 | 41 | 41.00 | 40 | 72.0 | 9.0 | 14 |" in section
    assert "| 50 | re-run | 21.5 | 8.0 | 12 | 0.24 | 40 | 2.0 | 0.0 | 0 |" in section
    assert "| 4 slices of 200 | first | 600.0 | 8.0 | 3000 | 15.00 | 40 | 45.0 | 7.5 | 2400 |" in section
    assert "The 4 slices did not converge:" in section
    assert "- first run: slice 2: demo-cluster-02: task 'Create the key' (kms_key_by_alias): exists" in section
    assert "| re-run wall, 50 clusters / 1 | 2.15 | <= 3 | PASS |" in section
    assert "| 4 slices of 200 converge | no | yes | FAIL |" in section


def test_writing_twice_is_stable(readme_copy: Path):
    readme.write(readme_copy, RESULTS)
    once = readme_copy.read_text(encoding="utf-8")
    assert readme.write(readme_copy, RESULTS) is False
    assert readme_copy.read_text(encoding="utf-8") == once
    converged = {**RESULTS, "slices": {**RESULTS["slices"], "converged": True, "problems": []}}
    readme.write(readme_copy, converged)
    assert "The 4 slices converged" in readme_copy.read_text(encoding="utf-8")
    assert readme_copy.read_text(encoding="utf-8").count(readme.BEGIN) == 1


def test_a_readme_without_markers_is_refused(tmp_path: Path):
    path = tmp_path / "README.md"
    path.write_text("# no section\n", encoding="utf-8")
    with pytest.raises(ValueError, match="benchmark:enable_audit_fleet"):
        readme.write(path, RESULTS)
    assert path.read_text(encoding="utf-8") == "# no section\n"
