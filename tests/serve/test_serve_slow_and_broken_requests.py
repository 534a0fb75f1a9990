"""Slow, incomplete and malformed uploads against a real ``classroom serve`` (synthetic model, raw sockets)."""

from __future__ import annotations

import select
import socket
import time

import httpx
import numpy as np
import pytest
from serve_helpers import encode, multipart_body, running_server, seeded_mlp_file

from classroom.serve.app import multipart_problem

pytestmark = pytest.mark.slow
BOUNDARY = "classroom-boundary"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    model = seeded_mlp_file(tmp_path_factory.mktemp("model"))
    with running_server([model], "--body-timeout", "1", "--keep-alive", "2") as (base_url, process):
        yield base_url


def _connect(base_url: str) -> socket.socket:
    host, port = base_url.removeprefix("http://").split(":")
    return socket.create_connection((host, int(port)), timeout=10)


def _head(length: int, content_type: str = f"multipart/form-data; boundary={BOUNDARY}") -> bytes:
    return (f"POST /predict HTTP/1.1\r\nHost: test\r\nContent-Type: {content_type}\r\n"
            f"Content-Length: {length}\r\n\r\n").encode()


def _answer(connection: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection."""
    data = b""
    while chunk := connection.recv(65536):
        data += chunk
    return data


def _digit() -> bytes:
    return encode(np.zeros((28, 28), dtype=np.uint8))


def test_a_body_that_never_arrives_gets_408_and_a_closed_connection(server):
    connection = _connect(server)
    started = time.monotonic()
    connection.sendall(_head(200_000) + b"x" * 100)  # 100 of the 200,000 bytes announced
    answer = _answer(connection)  # returns only once the server closes the connection
    assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
    assert b"did not arrive within 1 s" in answer and b"100 bytes came" in answer
    assert b"connection: close" in answer.lower()
    assert time.monotonic() - started < 8


def test_a_trickling_body_gets_408(server):
    content_type, body = multipart_body("file", "d.png", "image/png", _digit())
    connection = _connect(server)
    connection.sendall(_head(len(body), content_type))
    answered = False
    for start in range(0, len(body), 10):  # 10 bytes every 0.1 s: longer than the 1 s the server allows
        connection.sendall(body[start : start + 10])
        if select.select([connection], [], [], 0.1)[0]:
            answered = True  # the server answered before the body was complete
            break
    assert answered, f"the {len(body)}-byte body trickled in completely without an answer"
    answer = _answer(connection)
    assert answer.startswith(b"HTTP/1.1 408"), answer[:200]


def test_a_form_without_its_closing_boundary_is_called_incomplete(server):
    _, body = multipart_body("file", "d.png", "image/png", _digit())
    cut = body[: body.rindex(f"--{BOUNDARY}--".encode())]
    response = httpx.post(f"{server}/predict", content=cut,
                          headers={"content-type": f"multipart/form-data; boundary={BOUNDARY}"})
    assert response.status_code == 400, response.text
    assert "the multipart form is incomplete" in response.json()["detail"]


def test_two_images_in_one_request_are_refused(server):
    files = [("file", ("a.png", _digit(), "image/png")), ("file", ("b.png", _digit(), "image/png"))]
    response = httpx.post(f"{server}/predict", files=files)
    assert response.status_code == 400
    assert "one image per request: the form has 2 fields named 'file'" in response.json()["detail"]
    one = httpx.post(f"{server}/predict", files={"file": ("a.png", _digit(), "image/png")})
    assert one.status_code == 200, one.text  # and one image still works
    assert httpx.get(f"{server}/health").status_code == 200


def test_the_form_checks_without_a_server():
    content_type, body = multipart_body("file", "d.png", "image/png", b"\x89PNG...")
    assert multipart_problem(content_type, body) is None
    assert "has no boundary" in multipart_problem("multipart/form-data", body)
    assert "incomplete" in multipart_problem(content_type, body[:-10])
    assert multipart_problem(f'multipart/form-data; boundary="{BOUNDARY}"', body) is None  # a quoted boundary
