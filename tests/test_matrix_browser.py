"""The HTML matrix report in a real browser: headless Chromium (Debian ``chromium`` and
``chromium-driver``), driven by selenium, and once more with plain ``--dump-dom``.

Skipped when Chromium (or selenium) is absent, unless ``CI`` is set: then it fails.
Screenshots go to the test's ``tmp_path`` and are copied to ``test-output/`` at the
project root (git-ignored) for a person to look at.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from schema_tools.cli.main import cli
from schema_tools.diff.matrix import build_matrix
from schema_tools.model.snapshot import Snapshot

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SNAPSHOTS = PROJECT_ROOT / "snapshots"
OUTPUT = PROJECT_ROOT / "test-output"
SITES = ("dls-v4.0.0", "dls-v5.0.0", "esrf-pydb")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
         "--no-first-run", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--window-size=1400,1000"]


def _missing(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set, so this is an error)", pytrace=False)
    pytest.skip(reason)


def _chromium() -> str:
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    _missing("chromium is not installed (apt-get install -y chromium chromium-driver)")
    raise AssertionError  # unreachable


def _keep(png: Path, name: str) -> None:
    OUTPUT.mkdir(exist_ok=True)
    shutil.copyfile(png, OUTPUT / name)


def _is_png(path: Path) -> bool:
    return path.is_file() and path.stat().st_size > 10_000 and path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def matrix():
    schemas = {n: Snapshot.read(SNAPSHOTS / f"{n}.json").schema for n in SITES}
    return build_matrix(schemas, reference="dls-v5.0.0")


@pytest.fixture(scope="module")
def page(tmp_path_factory) -> Path:
    """The report, written by the command line as a user would."""
    out = tmp_path_factory.mktemp("matrix") / "matrix.html"
    names = [arg for n in SITES for arg in ("--name", n)]
    result = CliRunner().invoke(cli, ["matrix", *(str(SNAPSHOTS / f"{n}.json") for n in SITES),
                                      *names, "--reference", "dls-v5.0.0", "--format", "html",
                                      "-o", str(out)])
    assert result.exit_code == 1, result.output
    return out


def test_page_in_chromium_with_selenium(page, matrix, tmp_path, monkeypatch):
    chromium = _chromium()
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.options import Options
        from selenium.webdriver.chrome.service import Service
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support.ui import Select, WebDriverWait
    except ImportError:
        _missing("selenium is not installed (pip install -e '.[test]')")
    chromedriver = shutil.which("chromedriver")
    if not chromedriver:
        _missing("chromedriver is not installed (apt-get install -y chromium-driver)")
    monkeypatch.setenv("SE_OFFLINE", "true")  # never let selenium fetch a driver

    options = Options()
    options.binary_location = chromium
    for flag in FLAGS + [f"--user-data-dir={tmp_path / 'profile'}"]:
        options.add_argument(flag)
    service = Service(executable_path=chromedriver, log_output=str(tmp_path / "chromedriver.log"))
    driver = webdriver.Chrome(service=service, options=options)
    n = len(matrix.objects)
    visible_js = ("return Array.prototype.filter.call(document.querySelectorAll('#grid tbody tr'),"
                  " function(r){return !r.hidden && r.className.indexOf('detail') < 0;}).length")
    try:
        driver.set_page_load_timeout(60)
        driver.get(page.as_uri())
        wait = WebDriverWait(driver, 30)
        wait.until(lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-rows"))

        # summary: every site, its distance; grid: one row per object
        summary = driver.find_element(By.ID, "summary")
        assert summary.is_displayed()
        for s in SITES:
            assert s in summary.text
        site_rows = driver.find_elements(By.CSS_SELECTOR, "#sites tr.site")
        assert [r.find_elements(By.TAG_NAME, "td")[0].text.split(" ")[0] for r in site_rows] == list(SITES)
        esrf = site_rows[2].find_elements(By.TAG_NAME, "td")
        assert esrf[5].text == str(matrix.distances["esrf-pydb"].total)
        assert len(driver.find_elements(By.CSS_SELECTOR, "#grid tbody tr")) == n
        assert driver.execute_script(visible_js) == n
        assert driver.find_element(By.ID, "shown").text == f"{n} of {n} objects shown"
        driver.find_element(By.ID, "grid").is_displayed()
        shot = tmp_path / "matrix.png"
        assert driver.save_screenshot(str(shot)) and _is_png(shot)
        _keep(shot, "matrix.png")

        # typing in the filter box reduces the visible rows to the matching objects
        box = driver.find_element(By.ID, "filter")
        box.send_keys("blsample")
        want = sum("blsample" in o.address.lower() for o in matrix.objects)
        assert 0 < want < n
        wait.until(lambda d: d.execute_script(visible_js) == want)
        assert driver.find_element(By.ID, "shown").text == f"{want} of {n} objects shown"

        # class checkbox: hide the core objects
        driver.find_element(By.CSS_SELECTOR, "input[name=class][value=core]").click()
        want2 = sum("blsample" in o.address.lower() and o.cls != "core" for o in matrix.objects)
        wait.until(lambda d: d.execute_script(visible_js) == want2)

        # site select: only what esrf lacks
        Select(driver.find_element(By.ID, "site")).select_by_visible_text("absent at esrf-pydb")
        want3 = sum("blsample" in o.address.lower() and o.cls != "core"
                    and "esrf-pydb" not in o.sites for o in matrix.objects)
        wait.until(lambda d: d.execute_script(visible_js) == want3)
        Select(driver.find_element(By.ID, "site")).select_by_index(0)
        wait.until(lambda d: d.execute_script(visible_js) == want2)

        # a conflict row: tooltip on the cell, details on click
        row = driver.find_element(By.XPATH, "//tr[contains(@class,'x')][not(@hidden)]"
                                            "[td[1][contains(., 'POSITIONID')]]")
        cells = row.find_elements(By.TAG_NAME, "td")
        assert cells[5].text == "B" and "esrf-pydb" in cells[5].get_attribute("title")
        row.click()
        detail = wait.until(lambda d: d.find_element(By.CSS_SELECTOR, "tr.detail"))
        assert "differs: name" in detail.text and "naming conflict" in detail.text
        assert "positionId" in detail.text and "POSITIONID" in detail.text
        shot2 = tmp_path / "matrix-filtered.png"
        assert driver.save_screenshot(str(shot2)) and _is_png(shot2)
        _keep(shot2, "matrix-filtered.png")

        # clearing the filter and the checkbox brings every row back
        box.clear()
        box.send_keys(" ")
        driver.find_element(By.CSS_SELECTOR, "input[name=class][value=core]").click()
        wait.until(lambda d: d.execute_script(visible_js) == n)
        errors = [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]
        assert not errors, errors
    finally:
        driver.quit()


def test_page_in_chromium_dump_dom(page, matrix, tmp_path):
    """Without selenium: the DOM after the page's script ran, and a screenshot."""
    chromium = _chromium()
    base = [chromium, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}"]
    dom = subprocess.run(base + ["--dump-dom", page.as_uri()], capture_output=True, text=True,
                         timeout=120, check=True).stdout
    n = len(matrix.objects)
    assert f'data-rows="{n}"' in dom  # the script ran
    assert f"{n} of {n} objects shown" in dom
    summary = dom[dom.index('<section id="summary">'):dom.index("</section>")]
    for s in SITES:
        assert s in summary
    grid = dom.index('<table id="grid"')
    body = dom[dom.index("<tbody>", grid):dom.index("</tbody>", grid)]
    assert len(re.findall(r"<tr[ >]", body)) == n
    shot = tmp_path / "matrix-dump.png"
    subprocess.run(base + [f"--screenshot={shot}", page.as_uri()], capture_output=True,
                   timeout=120, check=True)
    assert _is_png(shot)
    _keep(shot, "matrix-headless.png")
