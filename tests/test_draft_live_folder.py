"""The issue's form `draft REPORT.txt --seminar ID --out data/seminars/ID`: the draft sits among the live
seminars with the DRAFT marker, the catalogue skips it, validate still checks it, publishing lifts it."""

from __future__ import annotations

import shutil
from pathlib import Path

from jichitai_metrics import catalog, queries
from jichitai_metrics.draft import review as rv
from jichitai_metrics.draft.files import draft_dir, is_marked_draft, list_drafts, publish
from tests.support import REPO_ROOT
from tests.test_draft import DEMO, _review_demo, run_cli

SID = "demo-draft-day2"


def _draft_in_place(tmp_path: Path) -> tuple[Path, Path]:
    data = tmp_path / "data"
    shutil.copytree(REPO_ROOT / "data", data)
    out = data / "seminars" / SID
    result = run_cli("draft", str(DEMO), "--seminar", SID, "--out", str(out))
    assert result.returncode == 0, result.stderr
    return data, out


def test_cli_drafts_into_data_seminars_with_the_marker_and_the_catalogue_skips_it(tmp_path):
    data, out = _draft_in_place(tmp_path)
    marker = out / catalog.DRAFT_MARK
    assert marker.is_file() and "draft" in marker.read_text(encoding="utf-8").lower()
    assert (out / "figures.csv").exists() and (out / "report.txt").exists()
    con = catalog.build_catalog(data)
    assert set(queries.seminars(con)["id"]) == {"r5-budget-dx-day1"}
    assert len(queries.figures(con, seminar_id="r5-budget-dx-day1")) >= 49
    assert list_drafts(data) == [SID] and draft_dir(data, SID) == out


def test_validate_reports_a_marked_drafts_problems_with_exit_2(tmp_path):
    data, _ = _draft_in_place(tmp_path)
    result = run_cli("validate", str(data))
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stdout.strip().splitlines()
    assert any(ln.startswith(f"seminars/{SID}/seminar.toml") and ln.endswith("(draft)") for ln in lines), (
        lines
    )


def test_publishing_a_marked_draft_removes_the_marker_only_when_the_check_passes(tmp_path):
    data, out = _draft_in_place(tmp_path)
    state = _review_demo(data, write=False)
    assert state.folder == out
    rv.edit(state.figures, state.figures[1]["id"], {"label_en": ""})
    problems = rv.publish_state(data, state)
    assert problems and problems[0].column == "label_en"
    assert is_marked_draft(out)  # still a draft: nothing went live
    assert set(queries.seminars(catalog.build_catalog(data))["id"]) == {"r5-budget-dx-day1"}
    rv.edit(state.figures, state.figures[1]["id"], {"label_en": "Waiting time before"})
    assert rv.publish_state(data, state) == []
    assert not (out / catalog.DRAFT_MARK).exists()
    con = catalog.build_catalog(data)
    assert set(queries.seminars(con)["id"]) == {"r5-budget-dx-day1", SID}
    assert len(queries.figures(con, seminar_id=SID)) == 5
    # the editor's working files (decisions, report) stay a draft; a later save never touches the live folder
    assert state.folder == data / "drafts" / SID and (state.folder / "report.txt").exists()
    assert list_drafts(data) == [SID]
    rv.save_draft(state)
    assert "review" not in (out / "figures.csv").read_text(encoding="utf-8").splitlines()[0]
    assert run_cli("validate", str(data)).returncode == 0


def test_the_day1_guard_still_refuses_an_unmarked_live_folder(tmp_path):
    data, _ = _draft_in_place(tmp_path)
    state = _review_demo(data, write=False)
    day1 = data / "seminars" / "r5-budget-dx-day1"
    before = (day1 / "figures.csv").read_bytes()
    problems = publish(data, "r5-budget-dx-day1", state.figures, [], [], rv.seminar_toml(state), state.report)
    assert problems and "already exists" in problems[0].problem
    assert (day1 / "figures.csv").read_bytes() == before
