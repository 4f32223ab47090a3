"""Training hot paths: a 20-question quiz submission and ``GET /me/assignments`` with 50
assignments, each as p50/p95 next to ``GET /healthz`` in the same run.

Run: ``make bench`` or ``.venv/bin/python bench/training.py [requests]``.
"""

from __future__ import annotations

import sys
import uuid

from common import fresh_app, latency_table, quiz, sample, signup

from tests.factories import add_member


def main(requests: int) -> None:
    url, app, client = fresh_app()
    owner = signup(client, "training-bench")
    signup(client, "other-tenant")
    staff = {"Authorization": f"Bearer {owner['token']}"}
    member_id, member_token = add_member(app, uuid.UUID(owner["tenant_id"]), "influencer")
    member = {"Authorization": f"Bearer {member_token}"}
    modules = []
    for index in range(50):
        created = client.post("/api/v1/training/modules", json=quiz(index), headers=staff).get_json()
        modules.append(client.post(f"/api/v1/training/modules/{created['id']}/publish", headers=staff).get_json())
        client.post(
            "/api/v1/training/assignments",
            json={"module_id": created["id"], "member_ids": [str(member_id)]},
            headers=staff,
        )
    target = modules[0]
    wrong = {
        "answers": [
            {"question_id": q["id"], "option_ids": [q["options"][-1]["id"]]} for q in target["quiz"]["questions"]
        ]
    }
    sample(client, "/healthz", {}, 20)  # warm-up
    health = sample(client, "/healthz", {}, requests)
    submit = sample(
        client, f"/api/v1/training/modules/{target['id']}/attempts", member, requests, method="POST", json=wrong
    )
    listing = sample(client, "/api/v1/me/assignments", member, requests)
    print(f"database: {url.split('@')[-1]}; {requests} requests each")
    latency_table(
        [
            ("GET /healthz", health),
            ("POST /training/modules/{id}/attempts (20 questions)", submit),
            ("GET /me/assignments (50 assignments)", listing),
        ]
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
