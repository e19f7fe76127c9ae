"""The book in a real browser: JupyterLab in headless Chromium runs a chapter-1 notebook; the panel renders as
widgets, a learning-rate slider moved during a run reaches the run's history, Stop ends a run.

Needs Debian's ``chromium`` and ``chromium-driver`` (``make test-browser`` installs them as root) and selenium.
Screenshots go to ``_build/browser/``.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "book" / "01_foundations" / "03_softmax_regression.ipynb"
SHOTS = ROOT / "_build" / "browser"
TOKEN = "d2lnotes-browser-test"

webdriver = pytest.importorskip("selenium.webdriver")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support import expected_conditions as EC  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """JupyterLab on localhost with a token and autosave off, serving a copy of the notebook."""
    for tool in ("chromium", "chromedriver"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} is not installed: run `make test-browser` (installs Debian's chromium and "
                        "chromium-driver as root) or `apt-get install chromium chromium-driver`")
    root = tmp_path_factory.mktemp("lab")
    shutil.copy(NOTEBOOK, root / NOTEBOOK.name)
    settings = root / ".settings" / "@jupyterlab" / "docmanager-extension"
    settings.mkdir(parents=True)
    (settings / "plugin.jupyterlab-settings").write_text(json.dumps({"autosave": False}))
    notebook_settings = root / ".settings" / "@jupyterlab" / "notebook-extension"
    notebook_settings.mkdir(parents=True)
    # render every cell (JupyterLab 4 otherwise renders only the cells in view) and start python3 unasked
    (notebook_settings / "tracker.jupyterlab-settings").write_text(json.dumps({"windowingMode": "none"}))
    port = _free_port()
    env = {**os.environ, "D2LNOTES_SMOKE": "1", "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1")}
    cmd = [sys.executable, "-m", "jupyter", "lab", "--no-browser", f"--ServerApp.port={port}",
           "--ServerApp.ip=127.0.0.1", f"--ServerApp.token={TOKEN}", f"--ServerApp.root_dir={root}",
           f"--LabApp.user_settings_dir={root / '.settings'}", "--ServerApp.open_browser=False"]
    if os.geteuid() == 0:
        cmd.append("--allow-root")
    log = open(root / "lab.log", "w")
    server = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=root)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                break
        except OSError:
            time.sleep(0.5)
    else:
        server.terminate()
        pytest.fail(f"JupyterLab did not start: {(root / 'lab.log').read_text()[-2000:]}")
    yield url, root
    server.terminate()
    try:
        server.wait(10)
    except subprocess.TimeoutExpired:
        server.kill()
    log.close()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", "--window-size=1400,1800"):
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    service = webdriver.ChromeService(executable_path=shutil.which("chromedriver"))
    driver = webdriver.Chrome(options=options, service=service)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


def _menu(driver, top: str, item: str) -> None:
    driver.find_element(By.XPATH, f"//li[contains(@class,'lm-MenuBar-item')][.//div[text()='{top}']]").click()
    WebDriverWait(driver, 10).until(EC.element_to_be_clickable(
        (By.XPATH, f"//li[contains(@class,'lm-Menu-item')][.//div[text()='{item}']]"))).click()


def _kernel_idle(driver) -> bool:
    status = driver.find_elements(By.CSS_SELECTOR, ".jp-Notebook-ExecutionIndicator")
    return bool(status) and status[0].get_attribute("data-status") == "idle"


def _accept_kernel_dialog(driver) -> bool:
    """On a slow start JupyterLab may ask which kernel to start (the notebook names python3): select it."""
    for button in driver.find_elements(By.CSS_SELECTOR, ".jp-Dialog button.jp-mod-accept"):
        if button.is_displayed():
            button.click()
    return False


def _kernel_ready(driver) -> bool:
    names = driver.find_elements(By.CSS_SELECTOR, ".jp-Toolbar-kernelName")
    return bool(names) and "No Kernel" not in names[0].text and _kernel_idle(driver)


def _wait_idle(driver, timeout: float) -> None:
    time.sleep(1.0)
    WebDriverWait(driver, timeout, poll_frequency=0.5).until(lambda d: _kernel_idle(d))


def _shot(driver, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(SHOTS / f"{name}.png"))


def _panel(driver):
    """The last hyperparameter panel on the page: its Train, Pause and Stop buttons, the lr slider, the status."""
    boxes = driver.find_elements(By.XPATH, "//div[contains(@class,'widget-vbox')][.//button[.//text()='Train'] "
                                           "or .//button[contains(., 'Train')]]")
    assert boxes, "no hyperparameter panel rendered as widgets"
    return boxes[-1]


def _run_code(driver, code: str, timeout: float = 60) -> str:
    """Append a cell at the end of the notebook, run it, return its text output."""
    cells = driver.find_elements(By.CSS_SELECTOR, ".jp-Notebook .jp-Cell")
    cells[-1].click()
    body = driver.find_element(By.CSS_SELECTOR, ".jp-Notebook")
    body.send_keys(Keys.ESCAPE, "b")  # command mode, insert a cell below
    time.sleep(0.5)
    editor = driver.find_elements(By.CSS_SELECTOR, ".jp-Notebook .jp-Cell")[-1].find_element(
        By.CSS_SELECTOR, ".cm-content")
    editor.click()
    editor.send_keys(code)
    editor.send_keys(Keys.SHIFT, Keys.ENTER)
    _wait_idle(driver, timeout)
    out = driver.find_elements(By.CSS_SELECTOR, ".jp-Notebook .jp-Cell")[-2].find_elements(
        By.CSS_SELECTOR, ".jp-OutputArea-output")
    return "\n".join(o.text for o in out)


def test_notebook_runs_and_panel_is_live(lab, browser):
    url, _ = lab
    driver = browser
    driver.get(f"{url}/lab/tree/{NOTEBOOK.name}?token={TOKEN}")
    WebDriverWait(driver, 90).until(EC.presence_of_element_located((By.CSS_SELECTOR, ".jp-Notebook .jp-Cell")))
    WebDriverWait(driver, 120, poll_frequency=0.5).until(lambda d: _accept_kernel_dialog(d) or _kernel_ready(d))
    _menu(driver, "Run", "Run All Cells")
    _wait_idle(driver, 600)
    _shot(driver, "01_after_run_all")
    outputs = "\n".join(o.text for o in driver.find_elements(By.CSS_SELECTOR, ".jp-OutputArea-output"))
    assert "Error displaying widget" not in outputs
    assert not re.search(r"(VBox|HBox|HyperparameterPanel)\(", outputs), "a widget shown as its repr text"
    assert "Traceback" not in outputs, outputs[-3000:]
    panel = _panel(driver)
    sliders = panel.find_elements(By.CSS_SELECTOR, ".widget-slider")
    assert sliders, "the panel has no slider"
    labels = [e.text for e in panel.find_elements(By.CSS_SELECTOR, ".widget-label")]
    assert "num_epochs" in labels, labels  # not cut off


def _control(panel, label: str):
    """The slider (or menu) of the panel whose label is ``label``."""
    for box in panel.find_elements(By.CSS_SELECTOR, ".widget-inline-hbox"):
        labels = box.find_elements(By.CSS_SELECTOR, ".widget-label")
        if labels and labels[0].text == label:
            return box
    raise AssertionError(f"no control {label!r} in the panel")


def _button(panel, text: str):
    return panel.find_element(By.XPATH, f".//button[contains(., '{text}')]")


def _status(panel) -> str:
    return panel.find_elements(By.CSS_SELECTOR, ".widget-html")[-1].text  # the first one is the title


def _result(driver, expression: str) -> str:
    return _run_code(driver, f"print({expression})").strip()


def test_slider_steers_a_running_run_and_stop_ends_one(lab, browser):
    driver = browser
    panel = _panel(driver)
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", panel)
    epochs = _control(panel, "num_epochs").find_element(By.CSS_SELECTOR, ".noUi-handle")
    epochs.click()
    epochs.send_keys(Keys.END)  # the longest run the panel offers
    panel = _panel(driver)
    Select(_control(panel, "batch_size").find_element(By.TAG_NAME, "select")).select_by_visible_text("32")
    WebDriverWait(driver, 10).until(
        lambda d: _result(d, "panel.values()['num_epochs'], panel.values()['batch_size']") == "20 32")
    panel = _panel(driver)
    _button(panel, "Train").click()
    # the kernel answers while the run trains in its thread: wait until a few minibatches are done
    WebDriverWait(driver, 60, poll_frequency=0.1).until(lambda d: _result(d, "panel.control.steps > 3") == "True")
    panel = _panel(driver)
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", panel)
    lr_handle = _control(panel, "lr").find_element(By.CSS_SELECTOR, ".noUi-handle")
    lr_handle.send_keys(Keys.ARROW_RIGHT)  # one step up (a quarter decade) while the run trains
    WebDriverWait(driver, 30, poll_frequency=0.05).until(lambda d: "from the next minibatch" in _status(_panel(d)))
    _shot(driver, "02_lr_moved_during_run")
    WebDriverWait(driver, 300, poll_frequency=0.5).until(lambda d: _status(_panel(d)).startswith("done"))
    _shot(driver, "03_run_finished")
    changes = _result(driver, "[(name, round(value, 4)) for _, name, value in panel.result.changes]")
    first_last = _result(driver, "round(panel.result.hparams['lr'][0], 4), round(panel.result.hparams['lr'][-1], 4), "
                                 "round(panel.values()['lr'], 4), round(panel.result.changes[0][0], 3)")
    first, last, slider, where = (float(x) for x in first_last.split())
    assert "('lr'," in changes and first == 0.1 and last == slider > first and where > 0, (changes, first_last)

    panel = _panel(driver)
    _button(panel, "Train").click()
    WebDriverWait(driver, 30, poll_frequency=0.05).until(lambda d: "training" in _status(_panel(d)))
    _button(_panel(driver), "Stop").click()
    WebDriverWait(driver, 120, poll_frequency=0.2).until(lambda d: _status(_panel(d)).startswith("done"))
    _shot(driver, "04_stopped")
    assert "stopped" in _status(_panel(driver))
    assert _result(driver, "panel.result.stopped, panel.result.epochs < 20") == "True True"
