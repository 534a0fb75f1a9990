"""The checks an upload passes before FastAPI parses its form: type, size, time and shape.

:class:`UploadLimitMiddleware` wraps the app (see :func:`classroom.serve.app.create_app`):
a ``/predict`` request must be ``multipart/form-data``, no larger than the upload
limit, complete within the body timeout, and a whole form with one ``file`` field
(:func:`multipart_problem`). Each refusal is a JSON error that names the problem.
"""

from __future__ import annotations

import json
import re
from typing import Sequence

import anyio

from classroom.serve.limits import DEFAULT_BODY_TIMEOUT_SECONDS

__all__ = ["UploadLimitMiddleware", "multipart_problem"]


async def _send_json_error(send, status_code: int, detail: str, *, close: bool = False) -> None:
    """Send a complete JSON error response on a raw ASGI ``send`` channel (``close``: end the connection)."""
    body = json.dumps({"detail": detail}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    if close:
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": status_code, "headers": headers})
    await send({"type": "http.response.body", "body": body})


_FILE_PART = re.compile(rb'\r\ncontent-disposition:[^\r\n]*;\s*name="?file"?(?:;|\r\n|\s)', re.IGNORECASE)


def multipart_problem(content_type: str, body: bytes) -> str | None:
    """Say what is wrong with a ``multipart/form-data`` body before it is parsed, or None.

    Parameters
    ----------
    content_type : str
        The request's ``Content-Type`` (it carries the boundary).
    body : bytes
        The whole body.

    Returns
    -------
    str or None
        A message naming the problem and the fix: no boundary, no closing
        boundary (the form was cut short), or more than one ``file`` field.
    """
    match = re.search(r'boundary="?([^";]+)"?', content_type, re.IGNORECASE)
    if match is None:
        return ("the multipart/form-data content type has no boundary; let the client build the form, "
                "e.g. curl -F file=@digit.png URL")
    boundary = match.group(1).strip().encode("latin-1")
    if b"--" + boundary + b"--" not in body:
        return (f"the multipart form is incomplete: its closing boundary --{boundary.decode('latin-1')}-- "
                f"never came ({len(body):,} bytes received); send the whole form, e.g. curl -F file=@digit.png URL")
    files = len(_FILE_PART.findall(b"\r\n" + body))
    if files > 1:
        return f"one image per request: the form has {files} fields named 'file'; send one, or one request each"
    return None


class UploadLimitMiddleware:
    """Check the content type and cap the body size of upload requests.

    A plain ASGI middleware (it works with any FastAPI or Starlette version).
    For ``POST`` requests to ``paths`` it

    1. answers 415 unless the body is ``multipart/form-data``;
    2. answers 413 when ``Content-Length`` exceeds ``max_bytes``;
    3. otherwise reads the body chunk by chunk, answering 413 as soon as the
       running total exceeds ``max_bytes`` (clients may omit the length or
       send more than they declared), and then hands the body to the app.

    So at most ``max_bytes`` of a request are ever held in memory. (After a
    413 the server reads and discards the rest of the body, so the client
    receives the answer instead of a reset connection.)

    Parameters
    ----------
    app : ASGI application
        The application to protect.
    max_bytes : int
        Largest accepted body, in bytes (form overhead of about 200 bytes
        included).
    paths : sequence of str, default ("/predict",)
        Paths whose ``POST`` requests are checked.
    """

    def __init__(
        self,
        app,
        *,
        max_bytes: int,
        paths: Sequence[str] = ("/predict",),
        body_timeout: float = DEFAULT_BODY_TIMEOUT_SECONDS,
    ):
        self.app = app
        self.max_bytes = int(max_bytes)
        self.paths = frozenset(paths)
        self.body_timeout = float(body_timeout)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] not in self.paths:
            await self.app(scope, receive, send)
            return
        headers = {name.lower(): value for name, value in scope["headers"]}
        content_type = headers.get(b"content-type", b"").decode("latin-1")
        if not content_type.lower().startswith("multipart/form-data"):
            shown = content_type or "none"
            await _send_json_error(
                send,
                415,
                f"expected a multipart/form-data request (content type was {shown}); send the "
                "image as the form field 'file', e.g. curl -F file=@digit.png URL",
            )
            return
        declared = headers.get(b"content-length")
        if declared is not None:
            try:
                declared_bytes = int(declared)
            except ValueError:
                await _send_json_error(send, 400, f"invalid Content-Length header {declared!r}")
                return
            if declared_bytes > self.max_bytes:
                await _send_json_error(send, 413, self._too_large(declared_bytes))
                return

        chunks = []
        received = 0
        more_body = True
        with anyio.move_on_after(self.body_timeout) as deadline:
            while more_body:
                message = await receive()
                if message["type"] == "http.disconnect":
                    return  # the client left; nothing to answer
                chunk = message.get("body", b"")
                received += len(chunk)
                if received > self.max_bytes:
                    await _send_json_error(send, 413, self._too_large(received, at_least=True))
                    return
                chunks.append(chunk)
                more_body = message.get("more_body", False)
        if deadline.cancelled_caught:
            await _send_json_error(
                send,
                408,
                f"the request body did not arrive within {self.body_timeout:g} s ({received:,} bytes came); "
                "send the whole upload at once",
                close=True,
            )
            return
        body = b"".join(chunks)
        del chunks
        problem = multipart_problem(content_type, body)
        if problem is not None:
            await _send_json_error(send, 400, problem)
            return

        body_sent = False

        async def replay_body():
            nonlocal body_sent
            if not body_sent:
                body_sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()  # after the body, only a disconnect can come

        await self.app(scope, replay_body, send)

    def _too_large(self, size: int, *, at_least: bool = False) -> str:
        amount = f"more than {self.max_bytes:,}" if at_least else f"{size:,}"
        return (
            f"the upload is too large: {amount} bytes, the limit is {self.max_bytes:,} bytes; "
            "send a smaller image (the model only needs a few kilobytes)"
        )


