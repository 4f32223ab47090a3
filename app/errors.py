"""HTTP errors Werkzeug does not define, registered so ``abort(code)`` knows them."""

from __future__ import annotations

from werkzeug.exceptions import HTTPException


class PaymentRequired(HTTPException):
    """402: the plan's seat limit is reached or the subscription is unpaid."""

    code = 402
    description = "The plan does not allow this: a seat limit is reached or the subscription is unpaid."


def init_app(app) -> None:
    app.aborter.mapping[402] = PaymentRequired
