"""``GET /jobs/{id}``: status, progress and result of a background job."""

from __future__ import annotations

import uuid

from flask.views import MethodView
from flask_smorest import abort

from app.api import make_blueprint
from app.auth import current_principal, require_scope
from app.db import db
from app.jobs import Job
from app.schemas import JobSchema

jobs_blp = make_blueprint("jobs", __name__, "Background jobs (imports, exports).")


@jobs_blp.route("/jobs/<uuid:job_id>")
class JobResource(MethodView):
    @require_scope("jobs:read")
    @jobs_blp.response(200, JobSchema)
    @jobs_blp.alt_response(404, description="No such job, or not one the caller may see.")
    def get(self, job_id: uuid.UUID):
        """A job's status, progress and result. Members see their own jobs, staff all."""
        job = db.session.get(Job, job_id)
        principal = current_principal()
        if job is None or (not principal.is_staff and job.created_by != principal.member_id):
            abort(404)
        return job
