"""Reference solutions, one module per notebook (``SOLUTIONS = {"q1": "<code of the solved cell>"}``).

Shown to a learner only on request (``grader.solution("q1")``); run by the test suite."""
