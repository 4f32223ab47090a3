"""Compliance check of a 3,000-character German post against 500 rules, p50/p95.

The rules are the four presets plus generated terms and regex rules (500 in all). Measured
through ``POST /compliance/check`` next to ``GET /healthz`` in the same run, and the engine
alone (the compiled rule set's ``check``, and compiling the set from scratch).

Run: ``BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/cip_bench_compliance
.venv/bin/python bench/compliance_check.py [requests]``.
"""

from __future__ import annotations

import random
import sys
import time

from common import fresh_app, latency_table, percentiles, sample, signup

from engagement.compliance import engine, presets
from engagement.compliance.text import parse_term

RULES = 500

POST = (
    "Wir freuen uns riesig: Unser neues Inhalationsgerät ist ab sofort in allen Kliniken verfügbar! "
    "Die Entwicklung hat drei Jahre gedauert, und unser Team in Kiel hat mit Ärztinnen, Pflegekräften "
    "und Patientenorganisationen eng zusammengearbeitet. Das Gerät ist leichter, leiser und einfacher zu "
    "reinigen als sein Vorgänger. Studien zeigen eine deutlich bessere Handhabung im Alltag; die Ergebnisse "
    "stellen wir auf dem Kongress in Düsseldorf vor. Mehr dazu unter https://example.com/produkt und "
    "www.example.org/studie – schaut gern vorbei. Fragen? Schreibt an presse@nordlicht-medtech.example "
    "oder ruft an: +49 431 1234567. Ich bin stolz, Teil dieses Teams zu sein. #Mitarbeiter #MedTech "
)


def post_text(length: int = 3000) -> str:
    text = ""
    while len(text) < length:
        text += POST
    return text[:length]


def generated_rules(count: int, rng: random.Random) -> list[dict]:
    """Terms and regex rules in the shape tenants write: project names, product claims, codes."""
    syllables = ["nord", "stern", "licht", "welle", "kraft", "fluss", "berg", "zeit", "wert", "plan", "feld", "haus"]
    rules = []
    for index in range(count):
        if index % 5 == 4:
            rules.append(
                {
                    "kind": "regex",
                    "severity": "warn",
                    "message": f"Interner Code {index}",
                    "pattern": rf"(?i)\b(?:PRJ|INT)-{index:03d}-\d{{2,4}}\b",
                }
            )
        else:
            words = [
                "".join(rng.choice(syllables) for _ in range(rng.randint(2, 3))).capitalize()
                for _ in range(rng.randint(1, 2))
            ]
            rules.append(
                {
                    "kind": rng.choice(["terms", "confidential"]),
                    "severity": rng.choice(["block", "warn"]),
                    "message": f"Regel {index}",
                    "terms": [" ".join(words), f"Projekt {words[0]}", f"#{words[-1]}{index}"],
                    "locales": rng.choice([[], ["de"], ["en"]]),
                }
            )
    return rules


def engine_alone(rule_dicts: list[dict], text: str, runs: int) -> None:
    specs = [
        engine.RuleSpec(
            id=str(i),
            kind=r["kind"],
            severity=r["severity"],
            message=r.get("message"),
            terms=tuple(r.get("terms", ())),
            pattern=r.get("pattern"),
            max_links=r.get("max_links"),
            locales=tuple(r.get("locales", ())),
            platforms=tuple(r.get("platforms", ())),
        )
        for i, r in enumerate(rule_dicts)
    ]
    cold_ms, compile_ms = [], []
    for _ in range(max(5, runs // 20)):
        parse_term.cache_clear()  # as after a worker start: every term parsed anew
        start = time.perf_counter()
        engine.compile_rules(specs)
        cold_ms.append((time.perf_counter() - start) * 1000)
    for _ in range(max(5, runs // 20)):
        start = time.perf_counter()
        rule_set = engine.compile_rules(specs)
        compile_ms.append((time.perf_counter() - start) * 1000)
    rule_set.check(text, "linkedin", "de")  # warm-up
    check_ms = []
    for _ in range(runs):
        start = time.perf_counter()
        findings = rule_set.check(text, "linkedin", "de")
        check_ms.append((time.perf_counter() - start) * 1000)
    kinds = {}
    for spec in specs:
        kinds[spec.kind] = kinds.get(spec.kind, 0) + 1
    print(
        f"engine alone: {len(specs)} rules ({', '.join(f'{k} {v}' for k, v in sorted(kinds.items()))}), "
        f"{len(text)} characters, {len(findings)} findings"
    )
    rows = (("compile (cold)", cold_ms), ("compile (terms parsed)", compile_ms), ("check (compiled)", check_ms))
    for label, samples in rows:
        p50, p95 = percentiles(samples)
        print(f"  {label:<24} p50 {p50:7.2f} ms  p95 {p95:7.2f} ms")


def main(requests: int) -> None:
    url, app, client = fresh_app()
    owner = signup(client, "compliance-bench")
    signup(client, "other-tenant")
    headers = {"Authorization": f"Bearer {owner['token']}"}
    preset_rules = []
    for name in presets.PRESETS:
        response = client.post(f"/api/v1/compliance/presets/{name}", headers=headers)
        assert response.status_code == 200, response.get_json()
        preset_rules += [{k: v for k, v in rule.items() if k != "key"} for rule in presets.PRESETS[name]["rules"]]
    extra = generated_rules(RULES - len(preset_rules), random.Random(5))
    for rule in extra:
        response = client.post("/api/v1/compliance/rules", json=rule, headers=headers)
        assert response.status_code == 201, response.get_json()
    text = post_text()
    body = {"text": text, "platform": "linkedin", "locale": "de"}
    first = client.post("/api/v1/compliance/check", json=body, headers=headers).get_json()  # compiles and caches
    sample(client, "/healthz", {}, 20)  # warm-up
    health = sample(client, "/healthz", {}, requests)
    authenticated = sample(client, "/api/v1/compliance/presets", headers, requests)
    checks = sample(client, "/api/v1/compliance/check", headers, requests, method="POST", json=body)
    print(
        f"database: {url.split('@')[-1]}; {requests} requests each; {len(preset_rules) + len(extra)} rules, "
        f"{len(text)} characters, {len(first['findings'])} findings"
    )
    latency_table(
        [
            ("GET /healthz", health),
            ("GET /compliance/presets (token check only)", authenticated),
            ("POST /compliance/check (500 rules, 3,000 chars)", checks),
        ]
    )
    _, token_p95 = percentiles(authenticated)
    _, check_p95 = percentiles(checks)
    print(
        f"\nPOST /compliance/check p95 {check_p95:.2f} ms (goal <= 10 ms) next to the token-only endpoint's "
        f"p95 {token_p95:.2f} ms: ratio {check_p95 / token_p95:.1f}"
    )
    print()
    engine_alone(preset_rules + extra, text, requests)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
