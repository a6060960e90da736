"""A local stand-in for JATOS's results API, for fixture data, bound to 127.0.0.1.

It answers as JATOS 3.8, 3.9 or 3.10 does (jatos.md §4) and checks every request it
sees, and every 3.10 response it sends, against JATOS's own OpenAPI description
(tests/fixtures/jatos-api.yaml) with openapi-core, so it cannot drift from the contract.
Faults can be switched on: HTML answers, status codes, slow answers, cut-off archives,
a locked study.
"""

from __future__ import annotations

import copy
import io
import json
import threading
import time
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import jatos_fixtures as fx

SPEC = Path(__file__).resolve().parent / "fixtures" / "jatos-api.yaml"  # vendored: see fixtures/NOTICE.md
API_VERSIONS = {"3.8": "1.0.0", "3.9": "1.0.1", "3.10": "1.1.0"}
TOKEN = "jap_0123456789abcdefghijklmnopqrstu123456"

_openapi = None


def openapi():
    global _openapi
    if _openapi is None:
        from openapi_core import OpenAPI

        _openapi = OpenAPI.from_file_path(str(SPEC))
    return _openapi


class FakeJatos:
    def __init__(self, version: str = "3.10") -> None:
        self.version = version
        doc = fx.metadata_doc()
        self.studies = doc["data"]  # JATOS's own metadata JSON, 3.10 shape
        self.data = dict(fx.DATA)
        self.files = {302: [("audio.webm", fx.AUDIO)]}
        self.log: list[tuple[str, str, dict]] = []
        self.errors: list[str] = []
        # faults
        self.html = False
        self.status: int | None = None
        self.slow: int = 0  # this many requests are answered after `delay` seconds
        self.delay = 2.0
        self.cut_archive = 0  # this many archives are cut off half-way
        self.locked = False
        self.drip = False  # answers come a byte at a time, each within the read timeout
        self.gzip_bomb = 0  # metadata answered as this many zero bytes, gzip-compressed
        self.echo_token = False  # a hostile server echoes the token in its error message
        self.archive_started = threading.Event()
        self.hold_archive: threading.Event | None = None
        self.on_metadata = None
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> "FakeJatos":
        self.thread.start()
        return self

    def stop(self) -> None:
        if self.hold_archive is not None:
            self.hold_archive.set()
        self.server.shutdown()
        self.server.server_close()

    # -- the results it holds -----------------------------------------------------------------

    def study_results(self):
        for st in self.studies:
            for sr in st["studyResults"]:
                yield st, sr

    def add_run(self, sr_id: int, cr_id: int, data: bytes, state: str = "FINISHED") -> None:
        with self._lock:
            st = self.studies[0]
            sr = copy.deepcopy(st["studyResults"][0])
            sr.update(id=sr_id, uuid=f"00000000-0000-4000-8000-{sr_id:012d}", workerId=9000 + sr_id, studyState=state)
            sr.pop("comment", None)
            cr = copy.deepcopy(sr["componentResults"][0])
            cr.update(id=cr_id, path=f"/study_result_{sr_id}/comp-result_{cr_id}", files=[])
            cr["data"] = {"size": len(data), "sizeHumanReadable": f"{len(data)} B"}
            sr["componentResults"] = [cr]
            st["studyResults"].append(sr)
            self.data[cr_id] = data

    def finish_run(self, sr_id: int, data: bytes) -> None:
        with self._lock:
            for _, sr in self.study_results():
                if sr["id"] == sr_id:
                    sr.update(studyState="FINISHED", endDate=sr["startDate"] + 600_000, duration="00:10:00")
                    cr = sr["componentResults"][-1]
                    cr.update(componentState="FINISHED", endDate=sr["endDate"], duration="00:09:59")
                    cr["data"] = {"size": len(data), "sizeHumanReadable": f"{len(data)} B"}
                    self.data[cr["id"]] = data

    # -- what JATOS answers ----------------------------------------------------------------------

    def _selected_crs(self, body: dict, query: dict) -> set[int]:
        """The union of everything asked for (JATOS issue #328), as component result ids."""
        def ids(key, qkey):
            out = []
            value = body.get(key)
            values = value if isinstance(value, list) else ([value] if value is not None else [])
            values += query.get(qkey, [])
            for v in values:
                if isinstance(v, int):
                    out.append(v)
                else:
                    for part in str(v).split(","):
                        if "-" in part:
                            a, b = part.split("-")
                            out.extend(range(int(a), int(b) + 1))
                        elif part.strip():
                            out.append(int(part) if not key.endswith("Uuids") else part.strip())
            return out

        study_ids, study_uuids = set(ids("studyIds", "studyId")), set(ids("studyUuids", "studyUuid"))
        sr_ids, cr_ids = set(ids("studyResultIds", "studyResultId")), set(ids("componentResultIds", "componentResultId"))
        chosen = set()
        for st, sr in self.study_results():
            for cr in sr["componentResults"]:
                if (
                    st["studyId"] in study_ids
                    or st["studyUuid"] in study_uuids
                    or sr["id"] in sr_ids
                    or cr["id"] in cr_ids
                ):
                    chosen.add(cr["id"])
        return chosen

    def _metadata_for(self, crs: set[int]) -> list:
        out = []
        for st in self.studies:
            srs = []
            for sr in st["studyResults"]:
                keep = [cr for cr in sr["componentResults"] if cr["id"] in crs]
                if keep:
                    srs.append(dict(sr, componentResults=keep))
            if srs:
                out.append(dict(st, studyResults=srs))
        if self.version != "3.10":
            out = fx._strip_keys(out, {"isQuotaReached"})
        return out

    def metadata(self, body, query) -> bytes:
        if self.on_metadata:
            self.on_metadata(self)
        data = self._metadata_for(self._selected_crs(body, query))
        return json.dumps({"apiVersion": API_VERSIONS[self.version], "data": data}).encode()

    def archive(self, body, query) -> bytes:
        crs = self._selected_crs(body, query)
        meta = self._metadata_for(crs)
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            for st in meta:
                for sr in st["studyResults"]:
                    for cr in sr["componentResults"]:
                        base = f"study_result_{sr['id']}/comp-result_{cr['id']}"
                        for name, payload in self.files.get(cr["id"], []):
                            zf.writestr(f"{base}/files/{name}", payload)
                        if cr["id"] in self.data:
                            zf.writestr(f"{base}/data.txt", self.data[cr["id"]])
            top = {"apiVersion": API_VERSIONS[self.version], "data": meta}
            zf.writestr("metadata.json", json.dumps(top))
        return buf.getvalue()

    def delete(self, body, query) -> list[int]:
        crs = self._selected_crs(body, query)
        with self._lock:
            for st in self.studies:
                for sr in st["studyResults"]:
                    sr["componentResults"] = [c for c in sr["componentResults"] if c["id"] not in crs]
                st["studyResults"] = [sr for sr in st["studyResults"] if sr["componentResults"]]
            for c in crs:
                self.data.pop(c, None)
                self.files.pop(c, None)
        return sorted(crs)

    # -- contract checks ---------------------------------------------------------------------------

    def check_request(self, method, path, query, raw, headers) -> None:
        from openapi_core.testing import MockRequest

        req = MockRequest(
            "http://localhost:9000", method.lower(), path,
            args={k: v[-1] for k, v in query.items()}, data=raw or None,
            content_type=headers.get("Content-Type", "application/json").split(";")[0],
            headers=dict(headers),
        )
        try:
            openapi().validate_request(req)
        except Exception as exc:  # noqa: BLE001 (record whatever the validator says)
            self.errors.append(f"request {method} {path}: {exc}")
        return req

    def check_response(self, req, status, ctype, body) -> None:
        from openapi_core.testing import MockResponse

        if self.version != "3.10":
            return  # the description is 3.10's: older servers differ (no isQuotaReached, empty delete body)
        try:
            openapi().validate_response(req, MockResponse(body, status_code=status, content_type=ctype))
        except Exception as exc:  # noqa: BLE001
            self.errors.append(f"response {req.method} {req.path}: {str(exc)[:500]}")


def _handler(fake: FakeJatos):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # quiet
            pass

        def _send(self, status, ctype, body: bytes, length: int | None = None):
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(length if length is not None else len(body)))
            self.end_headers()
            if not fake.drip:
                self.wfile.write(body)
                return
            for i in range(len(body)):
                try:
                    self.wfile.write(body[i : i + 1])
                    self.wfile.flush()
                except OSError:
                    return  # the client gave up
                time.sleep(0.05)

        def _error(self, status, code, message):
            body = json.dumps({"apiVersion": API_VERSIONS[fake.version], "error": {"code": code, "message": message}})
            self._send(status, "application/json", body.encode())

        def do_GET(self):
            self._handle("GET")

        def do_POST(self):
            self._handle("POST")

        def do_PUT(self):
            self._handle("PUT")

        def _handle(self, method):
            parts = urlsplit(self.path)
            query = parse_qs(parts.query)
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            try:
                body = json.loads(raw) if raw else {}
            except ValueError:
                body = {}
            fake.log.append((method, parts.path, body))
            if fake.slow > 0:
                fake.slow -= 1
                time.sleep(fake.delay)
            if fake.html:
                return self._send(200, "text/html; charset=utf-8", b"<html><body>Please sign in</body></html>")
            if fake.status is not None:
                codes = {401: "AUTH_ERROR", 403: "NO_ACCESS", 404: "NOT_FOUND"}
                return self._error(fake.status, codes.get(fake.status, "UNEXPECTED_ERROR"), "as configured")
            if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                return self._error(401, "AUTH_ERROR", "Invalid API token")
            req = fake.check_request(method, parts.path, query, raw, self.headers)
            path = parts.path
            if path == "/jatos/api/v1/results/metadata" and method in ("GET", "POST") and fake.gzip_bomb:
                import gzip

                packed = gzip.compress(b"\0" * fake.gzip_bomb)
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Encoding", "gzip")
                self.send_header("Content-Length", str(len(packed)))
                self.end_headers()
                self.wfile.write(packed)
                return
            if fake.echo_token:
                return self._error(403, "NO_ACCESS", "denied for " + self.headers.get("Authorization", ""))
            if path == "/jatos/api/v1/results/metadata" and method in ("GET", "POST"):
                out = fake.metadata(body, query)
                fake.check_response(req, 200, "application/json", out)
                return self._send(200, "application/json", out)
            if path == "/jatos/api/v1/results" and method in ("GET", "POST"):
                out = fake.archive(body, query)
                fake.archive_started.set()
                if fake.hold_archive is not None:
                    fake.hold_archive.wait(30)
                if fake.cut_archive > 0:
                    fake.cut_archive -= 1
                    self._send(200, "application/zip", out[: len(out) // 2], length=len(out))
                    self.close_connection = True
                    return
                fake.check_response(req, 200, "application/zip", out)
                return self._send(200, "application/zip", out)
            if path == "/jatos/api/v1/results/delete":
                if fake.version != "3.10" and method != "PUT":
                    return self._error(404, "NOT_FOUND", "no such route")
                if method not in ("POST", "PUT"):
                    return self._error(404, "NOT_FOUND", "no such route")
                if fake.locked:
                    return self._error(403, "STUDY_LOCKED", "Study is locked")
                deleted = fake.delete(body, query)
                if fake.version != "3.10":
                    return self._send(200, "text/plain", b"")
                out = json.dumps({"apiVersion": "1.1.0", "data": deleted}).encode()
                fake.check_response(req, 200, "application/json", out)
                return self._send(200, "application/json", out)
            return self._error(404, "NOT_FOUND", "no such route")

    return Handler
