"""Quiz grading, done only on the server.

A question is right when the set of chosen options equals the set of correct options (for
single-choice that is exactly the one correct option). The score is the percentage of right
questions, rounded down, so 80 means at least 80%; ``passed`` compares it with the pass score.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass


@dataclass(frozen=True)
class GradedQuestion:
    question_id: uuid.UUID
    correct: bool
    explanation: str | None


@dataclass(frozen=True)
class Grade:
    score: int
    passed: bool
    results: list[GradedQuestion]


def grade(
    correct_options: dict[uuid.UUID, set[uuid.UUID]],
    explanations: dict[uuid.UUID, str | None],
    answers: dict[uuid.UUID, set[uuid.UUID]],
    pass_score: int,
) -> Grade:
    """Grade ``answers`` (question -> chosen options) against the key; unanswered is wrong."""
    results = [
        GradedQuestion(question_id, answers.get(question_id, set()) == key, explanations.get(question_id))
        for question_id, key in correct_options.items()
    ]
    right = sum(r.correct for r in results)
    score = (100 * right) // len(results) if results else 0
    return Grade(score=score, passed=score >= pass_score, results=results)
