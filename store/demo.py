"""A demo database with realistic results, built through the importer like a real archive.

Several studies (one a group study), several batches, all seven worker types, every
study and component state, jsPsych arrays, lab.js objects, OSWeb-style CSV text,
multi-line text, unicode, empty and NULL data, a few uploaded files, and runs still
going with a recent last-seen time.
"""

from __future__ import annotations

import json
import random
import time
import uuid as _uuid
from pathlib import Path

from store.db.database import Store
from store.db.models import Study
from store.formats.archive_read import Entry, Source
from store.importing.importer import import_sources

DAY = 86_400_000


def _uuid_from(rng: random.Random) -> str:
    return str(_uuid.UUID(int=rng.getrandbits(128), version=4))


def _code(rng: random.Random) -> str:
    return "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789") for _ in range(11))


STUDIES = [
    # id, title, components, framework, batches
    (12, "Stroop Task", ["Consent", "Instructions", "Stroop trials", "Questionnaire"], "jspsych", ["Default", "Pilot", "Prolific"]),
    (27, "Visual Search (lab.js)", ["Visual search"], "labjs", ["Default", "Lab session"]),
    (31, "Posner Cueing (OSWeb)", ["Experiment"], "osweb", ["Default"]),
    (44, "Prisoner's Dilemma (group study)", ["Waiting room", "Game", "Debriefing"], "group", ["Default", "Classroom"]),
]
STATES = ["FINISHED"] * 8 + ["DATA_RETRIEVED", "STARTED", "FAIL", "ABORTED", "PRE"]
WORKERS = ["PersonalSingle", "PersonalMultiple", "GeneralSingle", "GeneralMultiple", "MT", "MTSandbox", "Jatos"]
MESSAGES = {
    "FAIL": "It's not allowed to reload this component (ID: {cid}). Study (ID: {sid}) is finished.",
    "ABORTED": "Experiment aborted by user",
}


def _data(kind: str, rng: random.Random, sr_index: int, comp: str, pos: int) -> str | None:
    if kind == "jspsych":
        if comp == "Consent":
            return json.dumps([{"trial_type": "html-button-response", "response": 0, "rt": rng.randint(900, 4000)}])
        if comp == "Instructions":
            return "" if sr_index % 5 == 0 else None
        if comp == "Questionnaire":
            answers = {"age": rng.randint(18, 70), "handedness": rng.choice(["right", "left"]), "comment": rng.choice(["", "Schöne Farben!", "très bien 👍", "too long\nbut fine"])}
            return json.dumps([{"trial_type": "survey-html-form", "response": answers, "rt": rng.randint(8000, 40000)}], ensure_ascii=False)
        trials = []
        for t in range(rng.randint(6, 14)):
            word, ink = rng.choice(["RED", "GREEN", "BLUE"]), rng.choice(["red", "green", "blue"])
            trials.append({"trial_index": t, "stimulus": f"<p style='color:{ink}'>{word}</p>", "response": rng.choice("rgb"), "rt": rng.randint(320, 1400), "correct": word.lower() == ink})
        return json.dumps(trials)
    if kind == "labjs":
        rows = [{"sender": "Trial", "target_present": rng.random() < 0.5, "set_size": rng.choice([8, 16, 32]), "response": rng.choice(["present", "absent"]), "duration": rng.randint(400, 3000), "ended_on": "response"} for _ in range(rng.randint(3, 8))]
        return json.dumps(rows)
    if kind == "osweb":
        lines = ["subject_nr,cue,target,response,response_time,correct"]
        for _ in range(rng.randint(4, 10)):
            lines.append(f"{sr_index},{rng.choice(['left','right'])},{rng.choice(['left','right'])},{rng.choice(['z','m'])},{rng.randint(250, 900)},{rng.randint(0, 1)}")
        return "\n".join(lines)
    # group study
    if comp == "Waiting room":
        return None
    if comp == "Game":
        return "\n".join(json.dumps({"round": r, "choice": rng.choice(["cooperate", "defect"]), "payoff": rng.choice([0, 1, 3, 5])}) for r in range(1, 6))
    return "Danke für die Teilnahme! Ευχαριστώ. 谢谢。"


def build_demo(now_ms: int | None = None, seed: int = 7) -> tuple[list[dict], list[Entry], dict]:
    rng = random.Random(seed)
    now_ms = now_ms if now_ms is not None else int(time.time() * 1000)
    metadata, entries, mt_ids = [], [], {}
    sr_id, cr_id, worker_id, batch_id, comp_id, group_id = 1000, 5000, 100, 20, 60, 7
    personal_multiple: dict[int, int] = {}
    for si, (sid, title, comps, kind, batches) in enumerate(STUDIES):
        comp_ids = []
        for c in comps:
            comp_id += 1
            comp_ids.append((comp_id, _uuid_from(rng), c))
        batch_rows = []
        for b in batches:
            batch_id += 1
            batch_rows.append((batch_id, _uuid_from(rng), b))
        study = {"id": sid, "uuid": _uuid_from(rng), "title": title, "results": [], "components": comp_ids}
        n = [40, 18, 12, 16][si]
        group_members = 0
        for i in range(n):
            sr_id += 1
            state = STATES[i % len(STATES)] if i < n - 3 else rng.choice(["STARTED", "DATA_RETRIEVED"])
            wtype = WORKERS[(i + si) % len(WORKERS)]
            if wtype == "PersonalMultiple":
                worker = personal_multiple.setdefault(sid, worker_id + 1)
                worker_id = max(worker_id, worker)
            else:
                worker_id += 1
                worker = worker_id
            if wtype in ("MT", "MTSandbox"):
                mt_ids[worker] = "A" + "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRSTUVWXYZ") for _ in range(13))
            mt_worker = {"mt_worker_id": mt_ids[worker]} if worker in mt_ids else {}
            batch = batch_rows[0] if wtype == "Jatos" else batch_rows[i % len(batch_rows)]
            running = state in ("STARTED", "DATA_RETRIEVED", "PRE")
            if i >= n - 3:
                start = now_ms - rng.randint(2, 25) * 60_000
            else:
                start = now_ms - (n - i) * DAY // 3 - rng.randint(0, 3_600_000)
            group = None
            if kind == "group":
                if group_members == 0 or group_members == 2:
                    group_id += 1
                    group_members = 0
                group_members += 1
                group = group_id
            result = {
                "id": sr_id,
                "uuid": _uuid_from(rng),
                "study_code": _code(rng),
                "comment": f"P-{i + 1:03d}" if wtype.startswith("Personal") else None,
                "start_date": start,
                "end_date": None,
                "last_seen_date": None,
                "state": state,
                "message": None,
                "url_query_parameters": json.dumps({"PROLIFIC_PID": _code(rng)}) if batch[2] == "Prolific" else None,
                "worker_id": worker,
                "worker_type": wtype,
                "batch_id": batch[0],
                "batch_uuid": batch[1],
                "batch_title": batch[2],
                "group_id": group,
                "confirmation_code": None,
                "quota_reached": i == 5 and si == 0,
                "components": [],
                # Not in JATOS's metadata: the import writes it with the worker and the run's row.
                **mt_worker,
            }
            t = start
            n_comps = len(comp_ids) if not running else rng.randint(1, len(comp_ids))
            for ci, (cid, cuuid, cname) in enumerate(comp_ids[:n_comps]):
                cr_id += 1
                last = ci == n_comps - 1
                dur = rng.randint(20_000, 600_000)
                if state == "FINISHED" or not last:
                    cstate = "FINISHED"
                elif state == "FAIL":
                    cstate = "FAIL"
                elif state == "ABORTED":
                    cstate = "ABORTED"
                elif state == "DATA_RETRIEVED":
                    cstate = "DATA_RETRIEVED"
                else:
                    cstate = rng.choice(["STARTED", "RELOADED"]) if state == "STARTED" else "STARTED"
                end = None if (running and last) else t + dur
                data = None if state == "ABORTED" else _data(kind, rng, i, cname, ci)
                if cstate in ("STARTED", "RELOADED") and last:
                    data = None
                comp = {
                    "id": cr_id,
                    "component_id": cid,
                    "component_uuid": cuuid,
                    "start_date": t,
                    "end_date": end,
                    "state": cstate,
                    "data_size": len(data.encode()) if data is not None else 0,
                    "files": [],
                    "quota_reached": result["quota_reached"] and last,
                }
                result["components"].append(comp)
                if data is not None:
                    entries.append(_entry("data", sr_id, cr_id, "data.txt", data.encode()))
                if kind == "jspsych" and cname == "Questionnaire" and i % 6 == 0 and state == "FINISHED":
                    for fname, payload in _files(rng, i):
                        entries.append(_entry("file", sr_id, cr_id, fname, payload))
                t = (end or now_ms) + rng.randint(500, 5000)
            if running:
                result["last_seen_date"] = min(now_ms - rng.randint(5, 90) * 1000, max(t, start + 1000)) if i >= n - 3 else start + rng.randint(60_000, 900_000)
                if state == "PRE":
                    result["last_seen_date"] = None
            else:
                result["end_date"] = min(t, now_ms - 60_000)
                result["last_seen_date"] = result["end_date"]
            if state in MESSAGES:
                result["message"] = MESSAGES[state].format(cid=comp_ids[-1][0], sid=sid)
            elif state == "FINISHED" and i % 7 == 3:
                result["message"] = "Thank you, all done."
            if state == "FINISHED" and wtype in ("MT", "MTSandbox"):
                result["confirmation_code"] = _uuid_from(rng)
            study["results"].append(result)
        metadata.append(study)
    titles = {
        s["id"]: {"uuid": s["uuid"], "title": s["title"], "components": [{"uuid": u, "title": t, "position": p} for p, (_, u, t) in enumerate(s.pop("components"))]}
        for s in metadata
    }
    return metadata, entries, {"titles": titles}


def _files(rng: random.Random, i: int) -> list[tuple[str, bytes]]:
    audio = bytes(rng.getrandbits(8) for _ in range(2048 + 512 * i))
    drawing = b"\x89PNG\r\n\x1a\n" + bytes(rng.getrandbits(8) for _ in range(900))
    return [("recording.webm", audio), (f"drawing_{i}.png", drawing)]


def _entry(kind: str, sr: int, cr: int, name: str, payload: bytes) -> Entry:
    label = f"study_result_{sr}/comp-result_{cr}/" + ("data.txt" if kind == "data" else f"files/{name}")
    def read(limit: int) -> bytes:
        return payload[:limit]

    def chunks(limit: int):
        yield payload[:limit]

    return Entry(kind, sr, cr, name, len(payload), read, chunks, label)


def ensure_demo(store: Store, now_ms: int | None = None) -> bool:
    """Fill an empty store with the demo results; False if it already holds studies."""
    if Study.select().exists():
        return False
    metadata, entries, extra = build_demo(now_ms)
    sources = [Source(Path("demo"), "results", metadata=metadata, entries=entries)]
    for t in extra["titles"].values():
        sources.append(Source(Path("demo.jzip"), "study-archive", study_archive=t))
    import_sources(store, sources)
    return True
