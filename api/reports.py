"""Program reports as JSON or CSV: the view parses the period, calls ``api.usecases.reports`` and shapes it."""
from __future__ import annotations

import csv
import io

from flask import Response
from marshmallow import RAISE, Schema, fields, validate

from api.auth import require, user
from api.problem import documents_errors
from api.runtime import Blueprint, runtime
from api.usecases import reports as cases
from directory import reports
from directory.hsds_tables import text_cell

blp = Blueprint("reports", __name__, url_prefix="/api/v1", description="Program reports")


class ReportQuerySchema(Schema):
    class Meta:
        unknown = RAISE
    from_ = fields.Date(required=True, data_key="from", metadata={"description": "first day (local), e.g. 2026-11-01"})
    to = fields.Date(required=True, metadata={"description": "last day (local), included"})
    program = fields.String(validate=validate.Length(min=1, max=64))
    format = fields.String(load_default="json", validate=validate.OneOf(("json", "csv")))


class ReportSchema(Schema):
    period = fields.Dict()
    program = fields.String(allow_none=True)
    small_cell = fields.Integer()
    diversions = fields.Dict()
    referrals = fields.Dict()
    unmet_need = fields.List(fields.Dict())


def csv_text(report: dict) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for row in reports.csv_rows(report):
        writer.writerow([text_cell(c) for c in row])
    return out.getvalue()


@blp.route("/reports/program")
@require("report.read")
@blp.arguments(ReportQuerySchema, location="query")
@blp.response(200, ReportSchema)
@blp.doc(responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}})  # with format=csv
@documents_errors(blp, 401, 403, 422)
def program_report(args: dict):
    """What a LEAD program did over a period (diversions, contact times, referrals, acceptance, declines,
    no-shows, placements, bed-days held) and the unmet need by need × town × week. Counts under 11 are
    "<11". `format=csv` gives the same as rows of section, key, detail, value."""
    report = cases.program_report(runtime(), user(), args["from_"], args["to"], args.get("program"))
    if args["format"] == "csv":
        name = f"lead-report-{args.get('program') or 'all'}-{args['from_']}-{args['to']}.csv"
        return Response(csv_text(report), mimetype="text/csv",
                        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})
    return report
