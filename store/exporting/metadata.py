"""What an export lists: the selected component results grouped as JATOS groups them
(jatos.md §3.0), and the metadata JSON of the API and of metadata.json (§3.3)."""

from __future__ import annotations

import json
from collections.abc import Iterator

from store.formats.jatos_values import duration_pretty, human_size
from store.pages.rows import component_rows, files_of, study_rows

API_VERSION = "1.1.0"


class Plan:
    """Selected component results grouped per study (first appearance), study result, id."""

    def __init__(self, cr_ids: list[int]):
        self.crs = {r.id: r for r in component_rows(cr_ids)}
        by_sr: dict[int, list[int]] = {}
        for cid in cr_ids:
            r = self.crs.get(cid)
            if r is not None:
                by_sr.setdefault(r.study_result_id, []).append(cid)
        self.srs = {r.id: r for r in study_rows(sorted(by_sr))}
        by_study: dict[int, set[int]] = {}
        for cid in cr_ids:
            r = self.crs.get(cid)
            if r is not None:
                by_study.setdefault(self.srs[r.study_result_id].study_id, set()).add(r.study_result_id)
        self.by_study = {st: sorted(srs) for st, srs in by_study.items()}
        self.by_sr = by_sr
        self.sr_ids = sorted(by_sr)
        self.files = files_of(cr_ids)

    def ordered(self) -> Iterator[tuple[int, int]]:
        """(study result id, component result id) in archive order."""
        for srs in self.by_study.values():
            for sr in srs:
                for cr in self.by_sr[sr]:
                    yield sr, cr


def _dumps(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def _component_meta(plan: Plan, cid: int, data_here_only: bool) -> dict:
    r = plan.crs[cid]
    # In an archive, data the store does not hold is described as JATOS describes a result
    # without data: size 0 and no data.txt. Metadata alone keeps the size the server reported.
    size = 0 if data_here_only and r.data_is_null else r.data_size
    data = {"size": size, "sizeHumanReadable": human_size(size)}
    if size == 0:
        data["filename"] = "data.txt"  # JATOS's inverted condition, reproduced (§3.3)
    return {
        "id": r.id,
        "componentId": r.component_id,
        "componentUuid": r.component_uuid,
        "startDate": r.start_date,
        "endDate": r.end_date,
        "duration": duration_pretty(r.start_date, r.end_date),
        "componentState": r.state,
        "path": f"/study_result_{r.study_result_id}/comp-result_{r.id}",
        "data": data,
        "files": [
            {"filename": name, "size": size, "sizeHumanReadable": human_size(size)}
            for name, size in plan.files.get(cid, ())
        ],
        "isQuotaReached": r.quota_reached,
    }


def _study_result_meta(plan: Plan, sid: int, data_here_only: bool) -> dict:
    r = plan.srs[sid]
    out: dict = {"id": r.id, "uuid": r.uuid, "studyCode": r.study_code}
    if r.worker_comment:
        out["comment"] = r.worker_comment
    out.update(
        startDate=r.start_date,
        endDate=r.end_date,
        duration=duration_pretty(r.start_date, r.end_date),
        lastSeenDate=r.last_seen_date,
        studyState=r.state,
    )
    if r.message:
        out["message"] = r.message
    if r.url_query_parameters:
        params = json.loads(r.url_query_parameters)
        if params:
            out["urlQueryParameters"] = params
    out.update(
        workerId=r.worker_id,
        workerType=r.worker_type,
        batchId=r.batch_id,
        batchUuid=r.batch_uuid,
        batchTitle=r.batch_title,
        groupId=r.group_id,
    )
    if r.confirmation_code:
        out["confirmationCode"] = r.confirmation_code
    out["isQuotaReached"] = r.quota_reached
    out["componentResults"] = [_component_meta(plan, c, data_here_only) for c in plan.by_sr[sid]]
    return out


def metadata_chunks(plan: Plan, data_here_only: bool = False) -> Iterator[bytes]:
    """The compact one-line metadata JSON of the API (apiVersion 1.1.0), streamed.
    data_here_only: sizes of data the store holds (an archive's metadata.json)."""
    yield b'{"apiVersion":"' + API_VERSION.encode() + b'","data":['
    for si, (st, srs) in enumerate(plan.by_study.items()):
        first = plan.srs[srs[0]]
        head = _dumps({"studyId": st, "studyUuid": first.study_uuid, "studyTitle": first.study_title})
        yield (b"," if si else b"") + head[:-1].encode("utf-8") + b',"studyResults":['
        for ri, sid in enumerate(srs):
            yield (b"," if ri else b"") + _dumps(_study_result_meta(plan, sid, data_here_only)).encode("utf-8")
        yield b"]}"
    yield b"]}"
