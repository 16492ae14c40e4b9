"""The digital receipt's short link (issue 16): GET /r/{token} (the web page) and
GET /r/{token}.pdf, for anyone holding the link (the token is the secret: 80 random bits,
made at the till). A well-formed token the center does not know yet answers 404 with a page
that says "not yet" (the till has not synced the sale); anything else is "no such receipt".

Thread: request threads (plain `def`: FastAPI's thread pool), one read each.
"""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from backend import receipts
from backend.receipts_render import not_yet_html, page_html, pdf_bytes
from backend.schemas import PathText
from pos_app.digital_receipt import is_token

router = APIRouter(tags=["receipts"])
NO_SUCH = ("<!doctype html>\n<html lang=\"de\"><head><meta charset=\"utf-8\"><title>Kein Beleg</title></head>"
           "<body><h1>Diesen Beleg gibt es nicht</h1><p>Der Link ist unvollständig oder falsch.</p></body></html>\n")
NOT_YET = {404: {"description": "Not yet at the center (the till has not synced), or no such link"}}


def _find(request: Request, token: str) -> dict | None:
    with request.app.state.db.reading() as conn:
        return receipts.find(conn, token)


@router.get("/r/{token}.pdf", responses={200: {"content": {"application/pdf": {}}}, **NOT_YET},
            response_class=Response)
def receipt_pdf(token: PathText, request: Request) -> Response:
    """The receipt as a PDF (the same rows as on paper)."""
    if not is_token(token):
        return HTMLResponse(NO_SUCH, status_code=404)
    row = _find(request, token)
    if row is None:
        return HTMLResponse(not_yet_html(token), status_code=404)
    return Response(pdf_bytes(row["document"]), media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="Beleg-{row["number"]}.pdf"',
                             "Cache-Control": "private, max-age=3600"})


@router.get("/r/{token}", response_class=HTMLResponse, responses=NOT_YET)
def receipt_page(token: PathText, request: Request) -> HTMLResponse:
    """The receipt as a web page (the same rows as on paper, the QR codes as images)."""
    if not is_token(token):
        return HTMLResponse(NO_SUCH, status_code=404)
    row = _find(request, token)
    if row is None:
        return HTMLResponse(not_yet_html(token), status_code=404)
    return HTMLResponse(page_html(row["document"], token), headers={"Cache-Control": "private, max-age=3600",
                                                                   "X-Robots-Tag": "noindex"})
