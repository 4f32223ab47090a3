"""Tracked jobs: submitted in a transaction, run after commit, read at ``GET /jobs/{id}`` by
their creator and the tenant's staff only."""

from __future__ import annotations

import uuid

from app import jobs, transactions
from app.db import db
from app.jobs import Job
from tests import event_handlers as h
from tests.factories import add_member
from tests.jobs_support import as_tenant, rows


def submit(app, tenant, fn, *args, created_by=None, kind="test.job") -> uuid.UUID:
    with as_tenant(app, tenant.tenant_id):
        job = jobs.submit(kind, fn, *args, created_by=created_by or tenant.owner_id)
        job_id = job.id
        transactions.commit()
    return job_id


def test_submitted_job_runs_after_commit_and_shows_its_result(app, world):
    with as_tenant(app, world.a.tenant_id):
        job = jobs.submit("test.count", h.count_words, "eins zwei drei vier fünf", created_by=world.a.owner_id)
        assert (job.status, job.progress, job.tenant_id) == ("queued", 0, world.a.tenant_id)
        assert db.session.get(Job, job.id).status == "queued"  # not run before the commit
        job_id = job.id
        transactions.commit()

    response = world.a.api.get(f"/jobs/{job_id}")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert {k: body[k] for k in ("id", "kind", "status", "progress", "result", "error")} == {
        "id": str(job_id),
        "kind": "test.count",
        "status": "finished",
        "progress": 100,
        "result": {"words": 5},
        "error": None,
    }
    assert body["created_at"].endswith("Z") and body["finished_at"].endswith("Z")


def test_rolled_back_submission_never_runs(app, world, tmp_path):
    marker = tmp_path / "ran"
    with as_tenant(app, world.a.tenant_id):
        job_id = jobs.submit("test.flaky", h.fail_first_time, str(marker), created_by=world.a.owner_id).id
        transactions.rollback()

    assert not marker.exists()
    assert rows(app, world.a.tenant_id, Job) == []
    assert world.a.api.get(f"/jobs/{job_id}").status_code == 404


def test_failing_job_shows_failed_with_its_error(app, world):
    job_id = submit(app, world.a, h.explode, "Spalte „E-Mail“ fehlt")

    body = world.a.api.get(f"/jobs/{job_id}").get_json()
    assert body["status"] == "failed"
    assert body["error"] == "ValueError('Spalte „E-Mail“ fehlt')"
    assert body["progress"] == 40  # progress it committed before failing stays visible
    assert body["result"] is None and body["finished_at"] is not None


def test_another_tenants_job_is_not_found(app, world):
    job_a = submit(app, world.a, h.count_words, "a b")
    job_b = submit(app, world.b, h.count_words, "a b c")

    assert world.a.api.get(f"/jobs/{job_a}").status_code == 200
    assert world.b.api.get(f"/jobs/{job_b}").get_json()["result"] == {"words": 3}
    for response in (
        world.b.api.get(f"/jobs/{job_a}"),
        world.a.api.get(f"/jobs/{job_b}"),
        world.a.api.get(f"/jobs/{uuid.uuid4()}"),
    ):
        assert response.status_code == 404
        assert response.get_json()["code"] == 404
    assert world.a.api.get(f"/jobs/{job_a}", token=None).status_code == 401
    assert [j.id for j in rows(app, world.b.tenant_id, Job)] == [job_b]


def test_members_see_their_own_jobs_and_staff_see_all(app, world):
    influencer_id, influencer_token = add_member(app, world.a.tenant_id, "influencer")
    _, colleague_token = add_member(app, world.a.tenant_id, "influencer", "approver")
    _, lead_token = add_member(app, world.a.tenant_id, "program_lead")
    owners_job = submit(app, world.a, h.count_words, "x")
    own_job = submit(app, world.a, h.count_words, "x y", created_by=influencer_id)

    influencer = world.a.api.as_(influencer_token)
    assert influencer.get(f"/jobs/{own_job}").get_json()["result"] == {"words": 2}
    assert influencer.get(f"/jobs/{owners_job}").status_code == 404
    assert world.a.api.as_(colleague_token).get(f"/jobs/{own_job}").status_code == 404
    assert world.a.api.as_(lead_token).get(f"/jobs/{own_job}").status_code == 200
    assert world.a.api.get(f"/jobs/{own_job}").status_code == 200
    assert world.b.api.get(f"/jobs/{own_job}").status_code == 404
