# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import http
from odoo.exceptions import AccessError, UserError
from odoo.http import request

# problem -> HTTP status of the page that explains it
STATUSES = {
    "invalid": 404,
    "expired": 410,
    "wrong_user": 403,
    "used": 409,
    "closed": 409,
    "refused": 409,
    "forbidden": 403,
    "bad_request": 400,
}


class ApprovalLinkController(http.Controller):
    """The approve-by-e-mail link: GET shows what is asked and a form, POST decides.

    The link is signed, expires, names its approver and is good for one decision; the decision
    itself goes through the same method, with the same checks, as the Approve button.
    """

    @http.route(
        "/distribution/approval/<string:token>",
        type="http",
        auth="user",
        methods=["GET", "POST"],
        csrf=True,
    )
    def approval_link(self, token, decision=None, comment=None, **kwargs):
        Assignment = request.env["distribution.approval.assignment"]
        assignment, problem = Assignment._from_token(token)
        if problem:
            return self._page(problem, assignment)
        if request.httprequest.method == "GET":
            return request.render(
                "distribution_approvals.approval_link_page",
                {
                    "assignment": assignment,
                    "approval": assignment.request_id,
                    "token": token,
                },
            )
        if decision not in ("approve", "reject"):
            return self._page("bad_request", assignment)
        approval = assignment.request_id.with_env(request.env)
        try:
            with request.env.cr.savepoint():
                approval._decide(decision == "approve", comment, channel="email")
        except AccessError as error:
            return self._page("forbidden", assignment, str(error))
        except UserError as error:
            return self._page("refused", assignment, str(error))
        return self._page("done", assignment)

    def _page(self, problem, assignment, message=None):
        values = {
            "problem": problem,
            "message": message,
            # only the approver the link was sent to learns what it is about
            "approval": assignment.request_id
            if assignment and problem not in ("invalid", "wrong_user")
            else None,
            "user": request.env.user,
        }
        return request.render(
            "distribution_approvals.approval_link_message",
            values,
            status=STATUSES.get(problem, 200),
        )
