"""Screenshots for the README: the dashboard and a game page, headless Chromium at 1440 px.

Run through ``bin/screenshots``, which gives this command a scratch database (dropped
afterwards): the replay night is rewound and polled to mid-night (forecasts made inline),
a daphne is started on a free port, Chromium logs in as a throwaway staff user and saves
``docs/img/dashboard.png`` and ``docs/img/game.png``. It refuses any other database,
because rewinding the replay deletes the night's games.
"""

from __future__ import annotations

import logging
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from games.feed.game_feed import ReplayGameFeed
from games.feed.select import build_replay_feed
from games.models import Game
from games.play_services import follow_games
from games.services import poll_scoreboard
from livescores.celery_app import app as celery_app

logger = logging.getLogger(__name__)

SCRATCH_SUFFIX = "_screenshots"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
# The socket live and the charts drawn; then the page is saved at its full height.
READY = (
    "const live = document.querySelector('[data-state=\"live\"]');"
    "const canvases = [...document.querySelectorAll('canvas')];"
    "return Boolean(live) && canvases.some((c) => window.Chart && Chart.getChart(c));"
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Command(BaseCommand):
    help = "Write docs/img/dashboard.png and docs/img/game.png (run it through bin/screenshots)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", type=Path, default=Path("docs/img"))
        parser.add_argument("--polls", type=int, default=36, help="replay polls before capture")
        parser.add_argument("--width", type=int, default=1440)

    def handle(self, *args: Any, **options: Any) -> None:
        name = str(settings.DATABASES["default"]["NAME"])
        if not name.endswith(SCRATCH_SUFFIX):
            raise CommandError(
                f"database {name!r} is not a scratch database (*{SCRATCH_SUFFIX}): "
                "run bin/screenshots, which makes one and drops it afterwards"
            )
        if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
            raise CommandError("needs Debian's chromium + chromium-driver")
        out: Path = options["out"]
        out = out if out.is_absolute() else Path(settings.BASE_DIR) / out
        out.mkdir(parents=True, exist_ok=True)

        game_id = self._replay(options["polls"])
        password = secrets.token_urlsafe(16)
        user = get_user_model().objects.create_user("staff", password=password, is_staff=True)
        port = _free_port()
        server = subprocess.Popen(
            [str(Path(sys.executable).parent / "daphne"), "-b", "127.0.0.1", "-p", str(port),
             "livescores.asgi:application"],
            cwd=settings.BASE_DIR, env={**os.environ, "DEBUG": "true"},
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            url = f"http://127.0.0.1:{port}"
            self._wait_for(url)
            self._capture(url, user.get_username(), password, game_id, out, options["width"])
        finally:
            server.terminate()
            server.wait(timeout=15)
            user.delete()

    def _replay(self, polls: int) -> str:
        call_command("reset_replay", stdout=self.stdout)
        feed = build_replay_feed()
        previous = celery_app.conf.task_always_eager
        celery_app.conf.task_always_eager = True  # forecasts made in this process
        try:
            plays = ReplayGameFeed(feed.night)
            for _ in range(polls):
                poll_scoreboard(feed)
                follow_games(plays)  # as the poll task's follow-up: plays and box scores
        finally:
            celery_app.conf.task_always_eager = previous
        first = Game.objects.filter(prediction__isnull=False).order_by("game_id").first()
        if first is None:
            raise CommandError(f"no forecast after {polls} polls: raise --polls")
        return first.game_id

    @staticmethod
    def _wait_for(url: str) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                login = f"{url}/accounts/login/"
                with urllib.request.urlopen(login, timeout=2):  # nosec B310  # our own http daphne
                    return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.2)
        raise CommandError(f"daphne did not answer on {url}")

    def _capture(
        self, url: str, username: str, password: str, game_id: str, out: Path, width: int
    ) -> None:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support.ui import WebDriverWait

        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        profile = tempfile.mkdtemp(prefix="livescores-screens-")
        for flag in (
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            f"--window-size={width},1000",
            f"--user-data-dir={profile}",
        ):
            options.add_argument(flag)  # fmt: skip
        driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
        try:
            driver.get(f"{url}/accounts/login/?next=/")
            driver.find_element(By.ID, "id_username").send_keys(username)
            driver.find_element(By.ID, "id_password").send_keys(password)
            driver.find_element(By.ID, "login-submit").click()
            for path, name in (("/", "dashboard.png"), (f"/games/{game_id}/", "game.png")):
                driver.get(f"{url}{path}")
                WebDriverWait(driver, 30, poll_frequency=0.2).until(
                    lambda d: d.execute_script(READY), message=f"charts on {path}"
                )
                time.sleep(1.0)  # let the charts' entry animation finish
                height = driver.execute_script("return document.documentElement.scrollHeight")
                driver.set_window_size(width, min(int(height), 4000))
                time.sleep(0.5)
                driver.save_screenshot(str(out / name))
                driver.set_window_size(width, 1000)
                self.stdout.write(f"{path} -> {out / name}")
        finally:
            driver.quit()
            shutil.rmtree(profile, ignore_errors=True)
