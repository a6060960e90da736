"""A mixed study for the trials export's tests (issue #14): study 20, each data format JATOS
studies produce, data cut short and data never sent, labels; and the table expected of it."""

from __future__ import annotations

import json

from store.importing.importer import import_paths
from store.labels import set_labels

import jatos_fixtures as fx

T0 = 1714557297000  # 2024-05-01T09:54:57Z

# (study result, worker, worker type, URL parameters, state, [(component result, component, data)])
MIXED = [
    (201, 71, "GeneralSingle", {"PROLIFIC_PID": "p-201"}, "FINISHED", [
        # jsPsych 7, .json(): a nested response, a formula typed by the participant
        (405, 60, '[{"rt":null,"stimulus":"<p>Hi</p>","response":"a","trial_type":"html-keyboard-response",'
                  '"trial_index":0,"time_elapsed":2103},'
                  '{"rt":812,"response":{"Q0":"=1+2"},"trial_type":"survey-text","trial_index":1,"time_elapsed":9120}]'),
        # lab.js: meta on the first row
        (406, 61, '[{"sender":"Trial","sender_type":"html.Screen","duration":1500.5,"correct":true,'
                  '"meta":{"labjs_version":"20.2.2"}}]'),
    ]),
    (202, 72, "Jatos", None, "FINISHED", [
        # OSWeb: the envelope's context after each trial's own columns
        (401, 60, '{"data":[{"count_trial_sequence":0,"response_time":512,"correct":1},'
                  '{"count_trial_sequence":1,"response_time":-3,"correct":0}],"context":{"jatosVersion":"3.5.2"}}'),
    ]),
    (203, 73, "GeneralMultiple", None, "DATA_RETRIEVED", [
        (407, 60, '[{"rt":1'),  # cut short while sending
        (408, 61, None),  # never sent
    ]),
    (204, 74, "PersonalSingle", {"workerId": "w-204"}, "FINISHED", [
        (409, 60, '"rt","response","trial_type"\r\n"455","b","html-keyboard-response"'),  # jsPsych's .csv()
    ]),
]

HEADER = (
    "result_id,component_result_id,component,worker_id,worker_type,batch,state,start_time,participant_id,label,"
    "rt,stimulus,response,trial_type,trial_index,time_elapsed,response.Q0,"
    "sender,sender_type,duration,correct,meta.labjs_version,count_trial_sequence,response_time,context.jatosVersion"
).split(",")
_ = ""
EXPECTED = [
    ["201", "405", "60", "71", "GeneralSingle", "14", "FINISHED", "2024-05-01T09:54:57.000Z", "p-201", _,
     _, "<p>Hi</p>", "a", "html-keyboard-response", "0", "2103", _, _, _, _, _, _, _, _, _],
    ["201", "405", "60", "71", "GeneralSingle", "14", "FINISHED", "2024-05-01T09:54:57.000Z", "p-201", _,
     "812", _, _, "survey-text", "1", "9120", "'=1+2", _, _, _, _, _, _, _, _],
    ["201", "406", "61", "71", "GeneralSingle", "14", "FINISHED", "2024-05-01T09:55:07.000Z", "p-201", _,
     _, _, _, _, _, _, _, "Trial", "html.Screen", "1500.5", "true", "20.2.2", _, _, _],
    ["202", "401", "60", "72", "Jatos", "14", "FINISHED", "2024-05-01T09:56:37.000Z", _, "include",
     _, _, _, _, _, _, _, _, _, _, "1", _, "0", "512", "3.5.2"],
    ["202", "401", "60", "72", "Jatos", "14", "FINISHED", "2024-05-01T09:56:37.000Z", _, "include",
     _, _, _, _, _, _, _, _, _, _, "0", _, "1", "-3", "3.5.2"],
    ["204", "409", "60", "74", "PersonalSingle", "14", "FINISHED", "2024-05-01T09:59:57.000Z", "w-204", "exclude",
     "455", _, "b", "html-keyboard-response", _, _, _, _, _, _, _, _, _, _, _],
]


def mixed_archive(path):
    entries, results = [], []
    for n, (sr, worker, wtype, params, state, crs) in enumerate(MIXED):
        comps = []
        for k, (cr, component, data) in enumerate(crs):
            start = T0 + n * 100_000 + k * 10_000
            if data is not None:
                entries.append((f"study_result_{sr}/comp-result_{cr}/data.txt", data.encode()))
            comps.append({
                "id": cr, "componentId": component, "componentUuid": f"c0a80001-0000-4000-8000-{component:012d}",
                "startDate": start, "endDate": start + 5000, "duration": "00:00:05",
                "componentState": "FINISHED" if state == "FINISHED" else "STARTED",
                "path": f"/study_result_{sr}/comp-result_{cr}",
                "data": {"size": len(data.encode()) if data else 0, "sizeHumanReadable": ""},
                "files": [], "isQuotaReached": False,
            })
        result = {
            "id": sr, "uuid": f"00000000-0000-4000-8000-{sr:012d}", "studyCode": "Xk3pQ9LmA2z",
            "startDate": T0 + n * 100_000, "endDate": T0 + n * 100_000 + 60_000, "duration": "00:01:00",
            "lastSeenDate": T0 + n * 100_000 + 60_000, "studyState": state, "workerId": worker,
            "workerType": wtype, "batchId": 14, "batchUuid": "b7e6d5c4-b3a2-4190-8f7e-6d5c4b3a2918",
            "batchTitle": "Default", "groupId": None, "isQuotaReached": False, "componentResults": comps,
        }
        if params:
            result["urlQueryParameters"] = params
        results.append(result)
    doc = {"apiVersion": "1.1.0", "data": [{"studyId": 20, "studyUuid": "3f1c2a9e-7b1d-4c55-9e0a-000000000020",
                                             "studyTitle": "Mixed", "studyResults": results}]}
    return fx.write_zip(path, entries + [("metadata.json", json.dumps(doc).encode())])


def import_mixed(store, folder):
    import_paths(store, [mixed_archive(folder / "mixed.zip")])
    set_labels(store, [202], "include", "")
    set_labels(store, [204], "exclude", "bot")
    return folder
