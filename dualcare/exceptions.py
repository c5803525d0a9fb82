class ApplicationError(Exception):
    """A business rule refused the request. Shown to the user as a form error or a 400.

    `field` names the input at fault, when there is one, so pages and the API can
    attach the message to it.
    """

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field

    def as_dict(self) -> dict:
        return {self.field or "detail": [self.message] if self.field else self.message}


class StateConflict(ApplicationError):
    """The request is well formed, but the record's state does not allow it now (a referral already
    sent, an alert already acknowledged, a plan with nothing to publish). The API answers 409 Conflict,
    so a client can tell "fix your input" (400) from "look at the record again" (409); pages show it
    like any other ApplicationError."""
