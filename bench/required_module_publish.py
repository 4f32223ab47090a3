"""Publishing a required module assigns it to every active member (``training.required_module_published``).

Measured: ``POST /training/modules/{id}/publish`` of a required module over N active members,
the automatic assignment included (events dispatch inline after the commit here, as without
Redis). Baseline, same run and members: publishing an optional module, then
``POST /training/assignments`` with ``all_members: true`` (the existing bulk assignment) making
the same assignments. Medians of several rounds, each with fresh modules.

Run: ``.venv/bin/python bench/required_module_publish.py [members] [rounds]``.
"""

from __future__ import annotations

import statistics
import sys

from common import analyze, fresh_app, quiz, set_seat_limit, signup, timed
from members_import import raw_insert, rows
from sqlalchemy import create_engine, text


def _activate_all(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE members SET status = 'active', activated_at = created_at"))
    engine.dispose()


def _assignments(url: str, module_id: str) -> int:
    engine = create_engine(url)
    with engine.connect() as connection:
        count = connection.execute(
            text("SELECT count(*) FROM training_assignments WHERE module_id = :id"), {"id": module_id}
        ).scalar()
    engine.dispose()
    return count


def main(members: int, rounds: int) -> None:
    url, app, client = fresh_app()
    tenant = signup(client, "publish-bench")
    other = signup(client, "other-tenant")
    set_seat_limit(url, members + 10)
    raw_insert(url, tenant["tenant_id"], rows(members, "publish.example"))
    raw_insert(url, other["tenant_id"], rows(members // 5, "other.example"))
    _activate_all(url)
    analyze(url)
    staff = {"Authorization": f"Bearer {tenant['token']}"}

    def draft(index: int, required: bool) -> str:
        body = {**quiz(index, questions=5), "required": required}
        response = client.post("/api/v1/training/modules", json=body, headers=staff)
        assert response.status_code == 201, response.get_json()
        return response.get_json()["id"]

    def publish(module_id: str) -> None:
        response = client.post(f"/api/v1/training/modules/{module_id}/publish", headers=staff)
        assert response.status_code == 200, response.get_json()

    def assign_all(module_id: str) -> None:
        body = {"module_id": module_id, "all_members": True}
        response = client.post("/api/v1/training/assignments", json=body, headers=staff)
        assert response.status_code == 201 and response.get_json()["created"] == members + 1, response.get_json()

    automatic, baseline = [], []
    for index in range(rounds):
        optional = draft(2 * index, required=False)
        seconds, _ = timed(lambda: (publish(optional), assign_all(optional)))
        baseline.append(seconds * 1000)
        required = draft(2 * index + 1, required=True)
        seconds, _ = timed(lambda: publish(required))
        automatic.append(seconds * 1000)
        assert _assignments(url, required) == members + 1, "the automatic assignment did not reach everybody"
    base, measured = statistics.median(baseline), statistics.median(automatic)
    print(f"database: {url.split('@')[-1]}; {members:,} active members (+ the owner); median of {rounds} rounds")
    print(f"{'publish optional + POST /training/assignments all_members (baseline)':<72} {base:>9.1f} ms")
    print(f"{'publish required, automatic assignment included':<72} {measured:>9.1f} ms")
    print(f"{'ratio (automatic / baseline)':<72} {measured / base:>9.2f}")


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:]]
    main(args[0] if args else 2_000, args[1] if len(args) > 1 else 5)
