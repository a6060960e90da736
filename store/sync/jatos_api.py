"""A client for JATOS's results API (jatos.md §4; 3.8.1 and later).

Every failure becomes one clear StoreError line. The API token is sent only in the
Authorization header: it is never printed, logged or stored, and any message that
might contain it shows it masked.
"""

from __future__ import annotations

import json
import os
import stat
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import httpx
from platformdirs import user_config_path

from store.errors import StoreError
from store.formats.archive_read import parse_metadata

API = "/jatos/api/v1"
DEFAULT_DEADLINE = 1800.0  # seconds for one request, start to last byte
DEFAULT_MAX_BYTES = 4 << 30  # one answer (an archive on disk)
MAX_JSON_BYTES = 1 << 30  # metadata is held in memory


def max_download_bytes() -> int:
    try:
        return int(os.environ.get("JATOS_RESULTS_MAX_DOWNLOAD_BYTES", DEFAULT_MAX_BYTES))
    except ValueError:
        return DEFAULT_MAX_BYTES


class ApiError(StoreError):
    pass


def token_file() -> Path:
    return user_config_path("jatos-results") / "token"


def load_token() -> str:
    """The token from JATOS_API_TOKEN, else from a config file readable by its owner only."""
    token = os.environ.get("JATOS_API_TOKEN", "").strip()
    if token:
        return check_token(token, "JATOS_API_TOKEN")
    path = token_file()
    if not path.exists():
        raise ApiError(f"no API token: set JATOS_API_TOKEN or put the token in {path} (readable by you only)")
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise ApiError(f"{path} is readable by others (mode {mode:o}): run chmod 600 {path}")
    token = path.read_bytes().decode("utf-8", "replace").strip()
    if not token:
        raise ApiError(f"{path} is empty")
    return check_token(token, str(path))


def check_token(token: str, where: str) -> str:
    """A token is one word of visible ASCII, as JATOS makes them; anything else (two lines,
    a pasted space, a typographic character) would go into an HTTP header: say so, without
    showing it."""
    if not (token.isascii() and token.isprintable()) or any(c.isspace() for c in token):
        raise ApiError(
            f"the API token in {where} has spaces, line breaks or non-ASCII characters: "
            "it must be one line, exactly as JATOS showed it"
        )
    return token


def mask(token: str) -> str:
    return (token[:4] + "…" + "*" * 4) if token.startswith("jap_") else "****"


@dataclass
class Metadata:
    api_version: str | None
    studies: list[dict]  # normalised (store.archive_read.parse_metadata)
    raw: bytes


class JatosClient:
    def __init__(
        self,
        url: str,
        token: str,
        *,
        timeout: float = 30.0,
        deadline: float = DEFAULT_DEADLINE,
        tries: int = 4,
        backoff: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        url = url.rstrip("/")
        if not url.startswith(("http://", "https://")):
            raise ApiError(f"not a server address: {url!r} (it starts with https:// or http://)")
        self.url = url
        self._token = check_token(token, "the token given")
        self.deadline = deadline
        self.max_bytes = max_download_bytes()
        self.tries = max(1, tries)
        self.backoff = backoff
        self._sleep = sleep
        self._http = httpx.Client(
            base_url=url,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json, application/zip"},
            follow_redirects=False,
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- plumbing ---------------------------------------------------------------------------

    def _clean(self, text: str) -> str:
        return text.replace(self._token, mask(self._token)) if self._token else text

    def _fail(self, text: str) -> ApiError:
        return ApiError(self._clean(text))

    def _chunks(self, resp: httpx.Response, path: str, cap: int, end: float):
        """The answer's (decoded) bytes, within the request's deadline and size cap: a server
        that drips a byte a second, or a small gzip answer that inflates to gigabytes, stops."""
        got = 0
        for chunk in resp.iter_bytes():  # as they come: a 1 MiB buffer would wait for a drip
            got += len(chunk)
            if got > cap:
                raise self._fail(
                    f"{self.url}{path}: the answer is larger than {cap} bytes "
                    "(JATOS_RESULTS_MAX_DOWNLOAD_BYTES raises the limit)"
                )
            if time.monotonic() > end:
                raise self._fail(
                    f"{self.url}{path}: the server took longer than {self.deadline:g} s to answer (--deadline)"
                )
            yield chunk

    def _request(self, method: str, path: str, *, body: dict | None, stream_to: Path | None = None, retry: bool = True):
        """One API call, with retries and back-off for idempotent ones. Returns (response, content)."""
        last = ""
        for attempt in range(1, (self.tries if retry else 1) + 1):
            end = time.monotonic() + self.deadline
            try:
                with self._http.stream(method, path, json=body) as resp:
                    if resp.status_code != 200 or stream_to is None:
                        cap = min(self.max_bytes, MAX_JSON_BYTES) if resp.status_code == 200 else 1 << 20
                        content = b"".join(self._chunks(resp, path, cap, end))
                        self._check(resp, path, content)
                        return resp, content
                    self._expect(resp, "application/zip", path)
                    with open(stream_to, "wb", opener=lambda p, f: os.open(p, f, 0o600)) as fh:
                        for chunk in self._chunks(resp, path, self.max_bytes, end):
                            fh.write(chunk)
                    expected = resp.headers.get("content-length")
                    if expected is not None and stream_to.stat().st_size != int(expected):
                        raise httpx.RemoteProtocolError("incomplete body")
                    return resp, b""
            except _Retryable as exc:
                last = str(exc)
            except httpx.ConnectError as exc:
                text = str(exc)
                if "SSL" in text or "TLS" in text or "certificate" in text.lower():
                    raise self._fail(f"{self.url}: TLS error ({text})") from None
                last = f"cannot connect ({text or 'connection refused'})"
            except httpx.TimeoutException:
                last = "timed out"
            except (httpx.RemoteProtocolError, httpx.ReadError) as exc:
                last = f"the answer was cut off ({exc})"
            except httpx.HTTPError as exc:
                raise self._fail(f"{self.url}: {exc}") from None
            if attempt < (self.tries if retry else 1):
                self._sleep(self.backoff * 2 ** (attempt - 1))
        tries = self.tries if retry else 1
        raise self._fail(f"{self.url}{path}: {last}" + (f" (tried {tries} times)" if tries > 1 else ""))

    def _expect(self, resp: httpx.Response, kind: str, path: str) -> None:
        ctype = resp.headers.get("content-type", "")
        if "text/html" in ctype:
            raise self._fail(
                f"{self.url}{path}: the server answered with an HTML page, not JATOS's API "
                "(a login page behind a proxy? check the URL)"
            )
        if kind not in ctype and not (kind == "application/zip" and "octet-stream" in ctype):
            raise self._fail(f"{self.url}{path}: expected {kind}, got {ctype or 'no content type'}")

    def _check(self, resp: httpx.Response, path: str, content: bytes) -> None:
        code = resp.status_code
        if code == 200:
            return
        detail = ""
        try:
            err = json.loads(content).get("error") or {}
            detail = err.get("message") or ""
            if err.get("code") == "STUDY_LOCKED":
                raise self._fail(f"{self.url}: the study is locked ({detail or 'STUDY_LOCKED'}): unlock it in JATOS first")
        except (ValueError, AttributeError):
            pass
        if code in (502, 503, 504):
            raise _Retryable(f"server error {code}")
        if code == 401:
            raise self._fail(f"{self.url}: the server refused the API token (401): it is wrong or has expired")
        if code == 403:
            raise self._fail(f"{self.url}: no access (403){': ' + detail if detail else ''}")
        if code == 404:
            raise self._fail(f"{self.url}{path}: not found (404){': ' + detail if detail else ''}; is this a JATOS server, 3.8.1 or later?")
        if code in (301, 302, 303, 307, 308):
            raise self._fail(f"{self.url}{path}: the server redirects to {resp.headers.get('location', '?')} (a login page? check the URL)")
        raise self._fail(f"{self.url}{path}: HTTP {code}{': ' + detail if detail else ''}")

    # -- the calls ---------------------------------------------------------------------------

    def metadata(self, selection: dict) -> Metadata:
        path = f"{API}/results/metadata?download=false"
        resp, content = self._request("POST", path, body=selection)
        self._expect(resp, "application/json", path)
        try:
            doc = json.loads(content)
        except ValueError:
            raise self._fail(f"{self.url}{path}: the answer is not JSON") from None
        version = doc.get("apiVersion") if isinstance(doc, dict) else None
        try:
            studies = parse_metadata(content, f"{self.url}{path}")
        except StoreError as exc:  # it may quote a value the server echoed: the token too
            raise self._fail(str(exc)) from None
        return Metadata(version, studies, content)

    def results_archive(self, component_result_ids: list[int], dest: Path) -> None:
        self._request("POST", f"{API}/results", body={"componentResultIds": component_result_ids}, stream_to=dest)

    def delete(self, body: dict, api_version: str | None) -> list[int] | None:
        """Delete results on the server: POST since 3.10, PUT before (jatos.md §4)."""
        path = f"{API}/results/delete"
        method = "POST" if (api_version or "").startswith("1.1") else "PUT"
        try:
            resp, content = self._request(method, path, body=body, retry=False)
        except ApiError as exc:
            if method == "POST" and "(404)" in str(exc):
                resp, content = self._request("PUT", path, body=body, retry=False)
            else:
                raise
        if content.strip():
            try:
                data = json.loads(content).get("data")
                return [int(i) for i in data] if isinstance(data, list) else None
            except (ValueError, AttributeError):
                return None
        return None


class _Retryable(Exception):
    pass
