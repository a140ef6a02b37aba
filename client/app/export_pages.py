"""The steps from an export to a submitted batch: choose, preview, map, prepare, report, submit.

Views are thin: they read the form, call the library (the same functions as the CLI) and render.
Cells reach the browser on this machine only (the preview); the matcher gets tokens.
"""

from __future__ import annotations

import io
from pathlib import Path

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from werkzeug.wrappers import Response as BaseResponse

from client.app import saved
from client.app.choices import PHONE_REGIONS, ChoiceError, MappingChoice, all_roles
from client.app.i18n import _, choice_error
from client.app.settings import AppSettings
from client.app.workspace import ALLOWED_SUFFIXES, Job, Upload, Workspace, preview
from client.batchfile import read_own_payloads
from client.errors import ClientError, StaleKeyError
from client.layout import HEADER_SEARCH_ROWS
from client.ledger import Ledger
from client.outbox import send_batches
from client.rejections import write_rejections
from client.wire import Category

bp = Blueprint("exports", __name__)
#: a kept file's name is shortened to this (plus its suffix): it shows in pages and the ledger
MAX_NAME_CHARS = 120


def settings() -> AppSettings:
    value: AppSettings = current_app.extensions["kruispunt"]
    return value


def workspace() -> Workspace:
    value: Workspace = current_app.extensions["kruispunt-workspace"]
    return value


def _upload(upload_id: str) -> Upload:
    upload = workspace().uploads.get(upload_id)
    if upload is None:
        abort(404)
    return upload


def _job(job_id: str) -> Job:
    job = workspace().jobs.get(job_id)
    if job is None:
        abort(404)
    return job


def safe_filename(name: str) -> str | None:
    """Return the file's own name without folders or control characters, if it is an export."""
    base = Path(name.replace("\\", "/")).name
    base = "".join(char for char in base if char.isprintable()).strip().lstrip(".")
    if not base or not base.lower().endswith(ALLOWED_SUFFIXES):
        return None
    stem, dot, suffix = base.rpartition(".")
    return f"{stem[:MAX_NAME_CHARS]}{dot}{suffix}"


@bp.get("/")
def choose() -> str:
    return render_template("choose.html", saved_types=sorted(saved.load(settings().mappings_path)))


@bp.post("/exports")
def upload() -> BaseResponse:
    chosen = request.files.get("export")
    name = safe_filename(chosen.filename or "") if chosen is not None else None
    if chosen is None or not chosen.filename:
        flash(_("Choose a file first."), "error")
        return redirect(url_for("exports.choose"))
    if name is None:
        flash(_("Only .csv and .xlsx files can be read: save the export as one of these."), "error")
        return redirect(url_for("exports.choose"))
    kept = workspace().add_upload(name, iter(lambda: chosen.stream.read(1 << 20), b""))
    return redirect(url_for("exports.show_preview", upload_id=kept.id))


@bp.get("/exports/<upload_id>")
def show_preview(upload_id: str) -> str | BaseResponse:
    upload = _upload(upload_id)
    try:
        shown = preview(upload)
    except ClientError as error:
        flash(_("This file cannot be read: {reason}", reason=str(error)), "error")
        return redirect(url_for("exports.choose"))
    return render_template(
        "preview.html", upload=upload, preview=shown, scan_rows=HEADER_SEARCH_ROWS
    )


@bp.post("/exports/<upload_id>/header")
def set_header(upload_id: str) -> BaseResponse:
    upload = _upload(upload_id)
    text = request.form.get("header_row", "")
    upload.header_row = (
        int(text) if text.isdigit() and 1 <= int(text) <= HEADER_SEARCH_ROWS else None
    )
    return redirect(url_for("exports.show_preview", upload_id=upload.id))


def _render_columns(
    upload: Upload, headers: list[str], choice: MappingChoice, applied: str | None
) -> str:
    return render_template(
        "columns.html",
        upload=upload,
        headers=headers,
        choice=choice,
        applied=applied,
        roles=all_roles(),
        regions=PHONE_REGIONS,
        categories=[item.value for item in Category],
        saved_types=sorted(saved.load(settings().mappings_path)),
    )


def _headers(upload: Upload) -> list[str]:
    try:
        with upload.open() as export:
            return list(export.headers)
    except ClientError:
        abort(404)


@bp.get("/exports/<upload_id>/columns")
def columns(upload_id: str) -> str:
    upload = _upload(upload_id)
    headers = _headers(upload)
    stored = saved.load(settings().mappings_path)
    wanted = request.args.get("type")
    if wanted in stored:
        return _render_columns(upload, headers, stored[wanted], wanted)
    best = saved.best_for(settings().mappings_path, headers)
    if best is not None:
        return _render_columns(upload, headers, best[1], best[0])
    return _render_columns(upload, headers, MappingChoice.suggested(headers), None)


@bp.post("/exports/<upload_id>/columns")
def prepare(upload_id: str) -> str | BaseResponse:
    upload = _upload(upload_id)
    headers = _headers(upload)
    try:
        choice = MappingChoice.from_form(request.form, headers)
    except ChoiceError as error:
        flash(choice_error(error), "error")
        return redirect(url_for("exports.columns", upload_id=upload.id))
    try:
        mapping, address = choice.to_mapping(headers, origin=upload.name)
    except ChoiceError as error:
        flash(choice_error(error), "error")
        return _render_columns(upload, headers, choice, None)
    export_type = " ".join(request.form.get("export_type", "").split())
    if export_type:
        saved.save(settings().mappings_path, export_type, choice)
    job = workspace().start(
        upload,
        mapping=mapping,
        address=address,
        scheme=settings().scheme,
        ledger_path=settings().ledger_path,
        workers=settings().workers,
    )
    return redirect(url_for("exports.preparation", job_id=job.id))


@bp.get("/preparations/<job_id>")
def preparation(job_id: str) -> str:
    job = _job(job_id)
    if not job.finished:
        return render_template("progress.html", job=job)
    rules = job.report.rules().most_common() if job.report is not None else []
    return render_template("report.html", job=job, rules=rules)


@bp.get("/preparations/<job_id>/rejections.csv")
def rejections(job_id: str) -> Response:
    job = _job(job_id)
    if job.report is None:
        abort(404)
    text = io.StringIO()
    write_rejections(text, job.report)
    stem = Path(job.upload.name).stem
    return Response(
        text.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{_ascii(stem)}-afgewezen.csv"'},
    )


def _ascii(text: str) -> str:
    kept = "".join(
        char if (char.isascii() and char.isalnum()) or char in "-_" else "_" for char in text
    )
    return kept or "export"


@bp.post("/preparations/<job_id>/submit")
def submit(job_id: str) -> BaseResponse:
    job = _job(job_id)
    factory = settings().matcher
    if job.outbox is None or job.report is None:
        flash(_("This preparation has nothing left to submit."), "error")
        return redirect(url_for("exports.preparation", job_id=job.id))
    if factory is None:
        flash(_("No matcher is set: start the app with --matcher URL."), "error")
        return redirect(url_for("exports.preparation", job_id=job.id))
    try:
        with factory() as client, Ledger(settings().ledger_path) as ledger:
            job.receipts = send_batches(client, ledger, read_own_payloads(job.outbox))
    except StaleKeyError as error:
        flash(_("The matcher refused the key: {reason}", reason=str(error)), "error")
        return redirect(url_for("exports.preparation", job_id=job.id))
    except ClientError as error:
        flash(_("Submitting failed: {reason}", reason=str(error)), "error")
        return redirect(url_for("exports.preparation", job_id=job.id))
    job.outbox.unlink(missing_ok=True)
    job.outbox = None
    flash(_("Submitted. Signals the matcher received: {signals}.", signals=_count(job)), "ok")
    return redirect(url_for("exports.preparation", job_id=job.id))


def _count(job: Job) -> str:
    return f"{sum(receipt.signals for receipt in job.receipts):,}".replace(",", ".")
