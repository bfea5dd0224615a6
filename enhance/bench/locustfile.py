"""The load test's traffic (locust; started by `manage.py bench_load`, never by hand in
production): each simulated person is one of the seeded users, with no think time, and
mixes what the mobile app asks of the API with the pages a browser loads and polls.

Reads the seeded ids, session keys and tokens from the JSON file named by LOAD_FIXTURE.
Loopback only: the runner passes --host http://127.0.0.1:PORT. No Django in here."""

import itertools
import json
import os
import random

from locust import constant, task
from locust.contrib.fasthttp import FastHttpUser

with open(os.environ["LOAD_FIXTURE"]) as fixture:
    ACCOUNTS = json.load(fixture)["users"]
_next_account = itertools.count()


class Person(FastHttpUser):
    wait_time = constant(0)
    # Keep-alive like a browser or an app behind nginx would; a 302 (to the login page) is an error.
    max_redirects = 0

    def on_start(self):
        self.account = ACCOUNTS[next(_next_account) % len(ACCOUNTS)]
        self.api_headers = {"Authorization": f"Token {self.account['token']}", "Accept": "application/json"}
        self.page_headers = {"Cookie": f"sessionid={self.account['session']}", "Accept": "text/html"}
        self.rng = random.Random(self.account["token"])

    def _get(self, url: str, name: str, headers: dict) -> None:
        with self.client.get(url, name=name, headers=headers, allow_redirects=False, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")

    def api(self, url: str, name: str) -> None:
        self._get(url, name, self.api_headers)

    def page(self, url: str, name: str) -> None:
        self._get(url, name, self.page_headers)

    def pick(self, key: str) -> int:
        return self.rng.choice(self.account[key])

    def page_number(self, key: str, per_page: int) -> int:
        """A page that exists for this library (the API answers 404 past the last one)."""
        return self.rng.randint(1, max(1, -(-len(self.account[key]) // per_page)))

    # -- the API (token auth): what the app does ----------------------------------------------
    @task(3)
    def api_photos(self):
        self.api(f"/api/v1/photos/?page={self.page_number('photos', 50)}", "API photos list")

    @task(2)
    def api_photo(self):
        self.api(f"/api/v1/photos/{self.pick('photos')}/", "API photo")

    @task(2)
    def api_albums(self):
        self.api("/api/v1/albums/", "API albums list")

    @task(3)
    def api_jobs(self):
        self.api(f"/api/v1/jobs/?page={self.page_number('jobs', 50)}", "API jobs list")

    @task(3)
    def api_job(self):
        self.api(f"/api/v1/jobs/{self.pick('active_jobs')}/", "API job (poll)")

    @task(1)
    def api_models(self):
        self.api("/api/v1/models/", "API models")

    @task(1)
    def api_me(self):
        self.api("/api/v1/me/", "API me")

    # -- pages (session cookie): what a browser loads and polls -------------------------------
    @task(3)
    def library(self):
        self.page(f"/?page={self.page_number('photos', 60)}", "page: library")

    @task(2)
    def album(self):
        self.page(f"/albums/{self.pick('albums')}/", "page: album")

    @task(2)
    def photo(self):
        self.page(f"/photos/{self.pick('photos')}/", "page: photo")

    @task(2)
    def my_jobs(self):
        self.page(f"/jobs/?page={self.page_number('jobs', 25)}", "page: My jobs")

    @task(1)
    def notifications(self):
        self.page("/notifications/", "page: notifications")

    @task(3)
    def jobs_status(self):
        ids = ",".join(str(pk) for pk in self.account["active_jobs"][:10])
        self.page(f"/jobs/status.json?ids={ids}", "poll: jobs status.json")

    @task(2)
    def unread(self):
        self.page("/notifications/unread.json?after=0", "poll: notifications unread.json")
