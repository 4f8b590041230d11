"""The headless-Chromium page check, on small pages whose faults are known:
it must pass a sound page and catch each fault of a broken one."""

import base64
import io
import tempfile

import matplotlib.pyplot as plt
import pytest

from imbalance_lab.errors import InvalidParameterError
from imbalance_lab.report import browser

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(browser.find_chromium() is None,
                       reason="Chromium is not installed (run `make browser`)"),
]


def _png_uri(width=3.0) -> str:
    fig, ax = plt.subplots(figsize=(width, 1))
    ax.plot([0, 1])
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=40)
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def test_a_sound_page_passes_and_is_photographed(tmp_path, monkeypatch):
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    page = tmp_path / "page.html"
    page.write_text(f"<html><body><h1>ok</h1><img src='{_png_uri()}'><img src='{_png_uri(2)}'>"
                    "<script>console.log('fine')</script></body></html>")
    check = browser.check_page(page, tmp_path / "shot.png")
    assert check.ok, check.problems()
    assert [i["naturalWidth"] for i in check.images] == [120, 80]  # 3 in and 2 in at 40 dpi
    assert check.screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert list(scratch.iterdir()) == []  # the browser's profile is removed, none of it left


def test_each_fault_of_a_broken_page_is_caught(tmp_path):
    page = tmp_path / "broken.html"
    page.write_text(
        "<html><body>"
        f"<img src='{_png_uri()}'>"
        "<img src='data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAAB'>"  # truncated PNG
        "<script>console.error('deliberate console error')</script>"
        "<script>throw new Error('deliberate exception')</script>"
        "<script src='https://example.invalid/remote.js'></script>"
        "</body></html>")
    check = browser.check_page(page)
    assert not check.ok
    assert [i["naturalWidth"] > 0 for i in check.images] == [True, False]
    errors = " | ".join(check.console_errors)
    assert "deliberate console error" in errors and "deliberate exception" in errors
    assert check.external_requests == ["https://example.invalid/remote.js"]
    assert check.screenshot is None


def test_a_missing_page_is_named(tmp_path):
    with pytest.raises(InvalidParameterError, match="html="):
        browser.check_page(tmp_path / "missing.html")
