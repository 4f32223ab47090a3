"""Training: modules, lessons, quizzes, attempts, assignments, guidelines (issue 4)."""
