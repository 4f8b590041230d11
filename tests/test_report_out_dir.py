"""Where the report is written: an out_dir that cannot be a folder is refused
under its own name before the folder is read or the notebook runs."""

import shutil
from pathlib import Path

import pytest
from test_report_fixture import cached_results

import imbalance_lab.report.export
from imbalance_lab.errors import InvalidParameterError
from imbalance_lab.folders import check_output_folder
from imbalance_lab.report import build_report, sections


@pytest.fixture()
def never_run(monkeypatch):
    def never(*args, **kwargs):
        raise AssertionError("work started before out_dir was checked")

    monkeypatch.setattr(imbalance_lab.report.export, "execute_notebook", never)
    monkeypatch.setattr(sections, "load_results", never)


@pytest.fixture()
def blocker(tmp_path):
    file = tmp_path / "afile"
    file.write_text("not a folder")
    return file


@pytest.mark.parametrize("depth", [0, 1, 2])
def test_build_report_names_out_dir_when_it_is_or_lies_under_a_file(tmp_path, blocker, never_run, depth):
    out = Path(blocker, *["sub"] * depth)
    with pytest.raises(InvalidParameterError) as info:
        build_report(tmp_path / "results", out_dir=out, progress=True)
    assert info.value.name == "out_dir" and info.value.value == str(out)
    why = "this path is a file" if depth == 0 else f"{blocker} is a file, so no folder can be made in it"
    assert str(info.value) == f"out_dir='{out}' is invalid: a folder to write the report in ({why})"
    assert blocker.read_text() == "not a folder"


def test_open_report_checks_out_dir_too(blocker, never_run):
    # the notebook's own entry point: the same check under the same name
    with pytest.raises(InvalidParameterError, match=r"^out_dir='.*afile' is invalid: a folder to write"):
        sections.open_report(cached_results(), str(blocker))


def test_a_dangling_link_is_no_folder(tmp_path, never_run):
    link = tmp_path / "gone"
    link.symlink_to(tmp_path / "removed")
    with pytest.raises(InvalidParameterError) as info:
        build_report(cached_results(), out_dir=link / "report")
    assert str(info.value) == (f"out_dir='{link / 'report'}' is invalid: a folder to write the report in "
                               f"({link} is not a folder, so no folder can be made in it)")


@pytest.mark.parametrize("out", ["new/deeper", "existing", "."])
def test_a_folder_or_a_path_still_to_be_made_is_accepted(tmp_path, monkeypatch, out):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "existing").mkdir()
    folder = shutil.copytree(cached_results(), tmp_path / "results")
    rep = sections.open_report(folder, out, metrics=["mcc"])
    assert rep.out_dir == Path(out) and rep.figures_dir == Path(out, "figures")
    assert check_output_folder(out, "--out", "the report") == Path(out)
