"""The documented API endpoints, called with gradio_client against a launched server (which queues
reviews for its own worker process): `analyze_recording` on a real talking-head clip with an ID
card photo of the same person, and `submit_recording` + `job_status` with two clips in the queue."""

from __future__ import annotations

import html
import urllib.request

import pytest

from tests.conftest import dev_file
from tests.ui_server import running_app

CLIP = "A_talking_head/vr_face2.mp4"


@pytest.fixture(scope="module")
def client(server):
    from gradio_client import Client

    return Client(server.url, verbose=False, download_files=False)  # the summary has no files to fetch


@pytest.fixture(scope="module")
def id_card():
    """A phone photo of an ID card whose portrait is a still of the clip's speaker (same person)."""
    from fixtures.id_documents import id_card_photo, video_still

    return id_card_photo(video_still(dev_file(CLIP), 1.0).path).path


def test_endpoint_is_documented(client):
    info = client.view_api(print_info=False, return_format="dict")
    endpoint = info["named_endpoints"]["/analyze_recording"]
    assert [p["parameter_name"] for p in endpoint["parameters"]] == ["video", "id_photo", "candidate", "region"]
    assert [p["parameter_has_default"] for p in endpoint["parameters"]] == [False, True, True, True]  # only video required
    assert "summary" in endpoint.get("description", "") or endpoint["returns"]


def test_analyze_recording_returns_the_summary(client, server, id_card):
    from gradio_client import handle_file

    from interview.checks.identity.face_match import SAME_PERSON_THRESHOLD
    from interview.records.store import Store

    summary = client.predict(video=handle_file(str(dev_file(CLIP))), id_photo=handle_file(str(id_card)),
                             candidate="Jane API", api_name="/analyze_recording")
    assert summary["candidate"] == "Jane API"
    assert set(summary["checks"]) == {"liveness", "identity", "deepfake", "relay"}
    assert summary["input"]["duration_s"] == pytest.approx(5.04, abs=0.1)
    assert summary["measurements"]["analysed_frames"] > 60
    assert summary["overall"]["headline"]
    # the ID card shows the speaker: the identity check matched it
    assert summary["measurements"]["id_similarity"] >= SAME_PERSON_THRESHOLD
    assert summary["checks"]["identity"]["status"] != "alert"
    stored = Store(server.db_path).get_session(summary["session_id"])
    assert stored.candidate == "Jane API"
    assert {r.name for r in stored.reports} >= {"summary.json", "report.html", "report.pdf"}
    with urllib.request.urlopen(summary["report_urls"]["html"], timeout=30) as response:  # the link works
        assert summary["overall"]["headline"][:40] in response.read().decode()
    with urllib.request.urlopen(summary["report_urls"]["pdf"], timeout=30) as response:
        assert response.read(5) == b"%PDF-"
    # the workers read copies of the uploads from the data dir; a purge deletes both with the face data
    from pathlib import Path

    from interview.records.retention import purge

    copies = [Path(stored.media_copy), Path(summary["measurements"]["id_photo"]["path"])]
    assert [p.parent for p in copies] == [server.data_dir / "uploads"] * 2 and all(p.is_file() for p in copies)
    purge(Store(server.db_path), session_id=summary["session_id"])
    assert not any(p.exists() for p in copies)


def test_submit_returns_a_job_to_poll_with_its_place_in_the_queue(client, server):
    """Two recordings submitted back to back to the app's one worker: the second waits its turn."""
    import time

    from gradio_client import handle_file

    from interview.records.store import Store

    first, second = (handle_file(str(dev_file(f"A_talking_head/{name}.mpg"))) for name in ("gr_sbia1a", "gr_sbwe5n"))
    a = client.predict(video=first, id_photo=None, candidate="Queue A", api_name="/submit_recording")
    b = client.predict(video=second, id_photo=None, candidate="Queue B", api_name="/submit_recording")
    # behind the first: 2 while the worker has not taken the first yet, then 1
    assert b["state"] == "queued" and b["position"] in (1, 2) and b["progress"] == 0
    seen = [b]
    while seen[-1]["state"] in ("queued", "running"):
        time.sleep(0.3)
        seen.append(client.predict(job_id=b["job_id"], api_name="/job_status"))
    positions = [s["position"] for s in seen]
    assert positions == sorted(positions, reverse=True) and positions[-1] == 0  # only ever moves forward
    assert "running" in [s["state"] for s in seen] and seen[-1]["state"] == "done"
    assert seen[-1]["summary"]["candidate"] == "Queue B" and seen[-1]["summary"]["session_id"] == seen[-1]["session_id"]
    done_a = client.predict(job_id=a["job_id"], api_name="/job_status")
    assert done_a["state"] == "done" and Store(server.db_path).get_session(done_a["session_id"]).candidate == "Queue A"
    # the same recording and settings again: the finished job, not a second analysis
    again = client.predict(video=first, id_photo=None, candidate="Queue A", api_name="/submit_recording")
    assert (again["job_id"], again["state"], again["session_id"]) == (a["job_id"], "done", done_a["session_id"])
    with pytest.raises(Exception, match="There is no job nope: use the job_id that submit_recording returned"):
        client.predict(job_id="nope", api_name="/job_status")


def test_bad_input_is_one_sentence(client, tmp_path):
    from gradio_client import handle_file

    not_media = tmp_path / "notes.mp4"
    not_media.write_text("this is not a video")
    with pytest.raises(Exception) as raised:
        client.predict(video=handle_file(str(not_media)), id_photo=None, candidate="", api_name="/analyze_recording")
    message = str(raised.value)
    assert "notes.mp4 cannot be used" in message
    assert "Traceback" not in message and message.count("\n") == 0


def test_a_tile_outside_the_picture_or_miswritten_is_one_sentence(client):
    """`region` names the candidate's tile of a meeting recording; a wrong one is refused before
    anything is queued."""
    from gradio_client import handle_file

    video = handle_file(str(dev_file(CLIP)))
    for region, words in (("5000,0,640,360", "cannot be used: the region 5000,0,640,360"),
                          ("left half", "The candidate's tile 'left half' cannot be used: give X,Y,WIDTH,HEIGHT")):
        with pytest.raises(Exception) as raised:
            client.predict(video=video, id_photo=None, candidate="", region=region, api_name="/submit_recording")
        message = html.unescape(str(raised.value))  # escaped for the page, where gr.Error renders HTML
        assert words in message and "Traceback" not in message, message


def test_duration_limit_is_one_sentence(server):
    from dataclasses import replace

    from interview.records.store import Store
    from ui.context import AppConfig, AppContext
    from ui.review import run_analysis

    config = replace(AppConfig(data_dir=server.data_dir, db_path=server.db_path), max_duration_s=3.0)
    with pytest.raises(Exception) as raised:
        run_analysis(AppContext(config, Store(server.db_path)), str(dev_file(CLIP)), None, "")
    assert str(raised.value.message) == ("The recording is 5 s long and the limit is 3 s: trim it, or ask whoever "
                                         "runs this server to allow longer recordings.")  # no command-line flag


def test_other_hosts_need_a_login(tmp_path):
    from ui.serve import ServeError, serve

    with pytest.raises(ServeError, match="refusing to listen on 0.0.0.0 without accounts"):
        serve("0.0.0.0", None, tmp_path, tmp_path / "db.sqlite", 100, 1.0, block=False)


def test_login_is_enforced_when_configured(models_ready, tmp_path):
    from gradio_client import Client

    with running_app(tmp_path, login="alex:correct horse") as app:
        with pytest.raises(Exception):
            Client(app.url, verbose=False)
        client = Client(app.url, auth=("alex", "correct horse"), verbose=False, download_files=False)
        assert "/analyze_recording" in client.view_api(print_info=False, return_format="dict")["named_endpoints"]
