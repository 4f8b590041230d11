"""The command line: every sub-command is reachable, user errors end without a traceback."""

from pathlib import Path

import pytest

from imbalance_lab import cli

QUICK = Path(__file__).resolve().parents[1] / "configs" / "quick.yaml"


def test_help_lists_every_command(capsys):
    with pytest.raises(SystemExit) as stop:
        cli.main(["--help"])
    assert stop.value.code == 0
    out = capsys.readouterr().out
    for name in cli.COMMANDS:
        assert name in out


def test_an_out_path_that_is_a_file_is_a_clean_error(tmp_path, capsys):
    # Found by a fresh user: --out naming an existing file raised FileExistsError
    # with a traceback. Any OS error from a path the user named ends with exit 2.
    blocker = tmp_path / "outfile"
    blocker.write_text("not a folder")
    code = cli.main(["sweep", str(QUICK), "--out", str(blocker / "sub")])
    err = capsys.readouterr().err
    assert code == 2
    assert "error:" in err and "Traceback" not in err and str(blocker) in err
