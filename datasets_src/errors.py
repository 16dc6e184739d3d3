"""The one exception type a user sees: a problem and its fix, printed as a single line."""


class UserError(Exception):
    """Bad input or a missing system piece. The CLI prints `error: <problem>; fix: <fix>`."""

    def __init__(self, problem: str, fix: str) -> None:
        super().__init__(f"{problem}; fix: {fix}")
        self.problem = problem
        self.fix = fix

    def __reduce__(self):  # raised in a worker process, re-raised in the driver
        return (UserError, (self.problem, self.fix))
