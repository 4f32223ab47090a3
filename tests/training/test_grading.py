"""Direct tests of the grading rule."""

import uuid

from training.grading import grade

Q1, Q2, Q3 = (uuid.uuid4() for _ in range(3))
A, B, C, D = (uuid.uuid4() for _ in range(4))
KEY = {Q1: {A}, Q2: {B, C}, Q3: {D}}
EXPLAIN = {Q1: "one", Q2: "two", Q3: None}


def test_all_right_is_100_and_passes():
    result = grade(KEY, EXPLAIN, {Q1: {A}, Q2: {C, B}, Q3: {D}}, 80)
    assert (result.score, result.passed) == (100, True)
    assert [r.correct for r in result.results] == [True, True, True]


def test_multiple_choice_needs_exactly_the_correct_set():
    partial = grade(KEY, EXPLAIN, {Q1: {A}, Q2: {B}, Q3: {D}}, 80)
    too_many = grade(KEY, EXPLAIN, {Q1: {A}, Q2: {B, C, D}, Q3: {D}}, 80)
    assert partial.results[1].correct is False and too_many.results[1].correct is False
    assert partial.score == too_many.score == 66 and not partial.passed


def test_unanswered_questions_are_wrong_and_score_rounds_down():
    result = grade(KEY, EXPLAIN, {Q1: {A}}, 33)
    assert result.score == 33 and result.passed
    assert grade(KEY, EXPLAIN, {Q1: {A}}, 34).passed is False


def test_pass_score_boundaries():
    assert grade(KEY, EXPLAIN, {}, 0).passed is True
    assert grade(KEY, EXPLAIN, {Q1: {A}, Q2: {B, C}, Q3: {D}}, 100).passed is True
    assert grade({}, {}, {}, 50).score == 0
