#!/usr/bin/env python3
"""A complete Restore API client: sign up (or log in), upload a photo, run 2D SR (waifu2x),
follow its progress and download the result.

    python docs/examples/client.py photo.png --out photo-2x.png \
        --base-url http://127.0.0.1:8000 --email me@example.com --password 'a long passphrase'

Needs only `requests`. Every error the API returns has the shape
{"error": {"code": "...", "message": "..."}}; this client prints the message and stops.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import requests

TERMINAL = {"succeeded", "failed", "canceled"}


class ApiError(Exception):
    pass


class Client:
    def __init__(self, base_url: str, timeout: float = 60):
        self.api = base_url.rstrip("/") + "/api/v1/"
        self.http = requests.Session()
        self.timeout = timeout

    def request(self, method: str, path_or_url: str, **kwargs) -> requests.Response:
        url = path_or_url if path_or_url.startswith("http") else self.api + path_or_url
        for _attempt in range(5):
            response = self.http.request(method, url, timeout=self.timeout, **kwargs)
            if response.status_code != 429:
                break
            # Throttled: the server says how long to wait.
            wait = int(response.headers.get("Retry-After", "5"))
            print(f"throttled, waiting {wait} s", file=sys.stderr)
            time.sleep(wait)
        if response.status_code >= 400:
            try:
                error = response.json()["error"]
                raise ApiError(f"{method} {url}: {response.status_code} {error['code']}: {error['message']}")
            except (ValueError, KeyError):
                raise ApiError(f"{method} {url}: {response.status_code} {response.text[:200]}") from None
        return response

    def use_token(self, token: str) -> None:
        self.http.headers["Authorization"] = f"Token {token}"

    def sign_up_or_log_in(self, email: str, password: str) -> None:
        credentials = {"email": email, "password": password}
        try:
            token = self.request("POST", "auth/register/", json=credentials).json()["token"]
            print(f"registered {email}")
        except ApiError as refusal:
            if "already registered" not in str(refusal):
                raise
            token = self.request("POST", "auth/token/", json=credentials).json()["token"]
            print(f"logged in as {email}")
        if token is None:  # this server wants the address confirmed first
            raise ApiError(f"confirm {email} with the link we emailed you, then run this again")
        self.use_token(token)

    def upload(self, image: Path) -> dict:
        with image.open("rb") as handle:
            photo = self.request("POST", "photos/", files={"file": (image.name, handle)},
                                 data={"title": image.stem}).json()
        print(f"uploaded photo {photo['id']}: {photo['width']}x{photo['height']} {photo['format']}")
        return photo

    def check_model(self, model_id: str, options: dict) -> None:
        models = {m["id"]: m for m in self.request("GET", "models/").json()}
        model = models.get(model_id)
        if model is None or not model["available"]:
            raise ApiError(f"{model_id} is not offered here: {model and model['reason']}")
        if not model["allowed_by_plan"]:
            raise ApiError(f"your plan does not include {model['label']}")
        for option in model["options"]:
            value = options.get(option["name"], option["default"])
            if value not in option["choices"]:
                raise ApiError(f"{option['name']} must be one of {option['choices']}")

    def run_job(self, photo_id: int, model_id: str, options: dict, poll_seconds: float = 1.0,
                timeout: float = 600) -> dict:
        submitted = self.request("POST", "jobs/", json={"photo": photo_id, "model": model_id, "options": options})
        status_url = submitted.headers["Location"]
        print(f"job {submitted.json()['id']} queued")
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            job = self.request("GET", status_url).json()
            line = f"{job['status']} {job['progress']}% {job['stage']}"
            if line != last:
                print(line)
                last = line
            if job["status"] in TERMINAL:
                if job["status"] != "succeeded":
                    raise ApiError(f"job {job['status']}: {job['error']}")
                return job
            time.sleep(poll_seconds)
        raise ApiError(f"job did not finish within {timeout:.0f} s")

    def download(self, job: dict, out: Path, fmt: str, timeout: float = 300) -> None:
        deadline = time.monotonic() + timeout
        while True:
            response = self.request("GET", job["result_url"], params={"format": fmt}, stream=True)
            if response.status_code != 202:
                break
            # A format other than PNG is made by a worker on first request: ask again later.
            response.close()
            if time.monotonic() > deadline:
                raise ApiError(f"the {fmt} download was not ready within {timeout:.0f} s")
            time.sleep(int(response.headers.get("Retry-After", "2")))
        partial = out.with_name(out.name + ".part")
        with partial.open("wb") as handle:
            for chunk in response.iter_content(64 * 1024):
                handle.write(chunk)
        partial.replace(out)  # never leave a half-written result under the real name
        print(f"saved {out} ({job['result_width']}x{job['result_height']}, {response.headers['Content-Type']})")

    def log_out(self) -> None:
        self.request("DELETE", "auth/token/")
        self.http.headers.pop("Authorization", None)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("image", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument("--email", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--style", choices=["art", "photo"], default="art")
    parser.add_argument("--scale", type=int, choices=[1, 2, 4], default=2)
    parser.add_argument("--noise", type=int, choices=[-1, 0, 1, 2, 3], default=1)
    parser.add_argument("--format", choices=["original", "png", "jpeg", "webp"], default="png")
    args = parser.parse_args(argv)

    client = Client(args.base_url)
    options = {"style": args.style, "scale": args.scale, "noise": args.noise}
    try:
        client.sign_up_or_log_in(args.email, args.password)
        client.check_model("waifu2x", options)
        photo = client.upload(args.image)
        job = client.run_job(photo["id"], "waifu2x", options)
        client.download(job, args.out, args.format)
        client.log_out()
    except ApiError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
