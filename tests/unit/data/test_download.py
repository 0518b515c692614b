"""`leakgan download` against a local HTTP server on 127.0.0.1: checksum, resume, errors."""
from __future__ import annotations

import gzip
import hashlib
import http.server
import json
import threading
import time
from pathlib import Path

import pytest

from leakgan import cli
from leakgan.data.download import download
from leakgan.errors import UserError
from tests.conftest import SHARED_DATA
from tests.unit.oneline import assert_one_line, run

DATA = SHARED_DATA


def corpus(rel: str) -> Path:
    path = DATA / rel
    if not path.is_file():
        pytest.skip(f"real corpus {path} is not present (the shared data folder is missing)")
    return path


class Server:
    """Serves `files` (path → bytes); honours Range; paths listed in `cut` get half a body, then a closed connection."""

    def __init__(self):
        self.files: dict[str, bytes] = {}
        self.cut: dict[str, int] = {}  # path -> how many more responses to cut short
        self.ignore_range = False
        self.requests: list[tuple[str, str | None]] = []
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                rng = self.headers.get("Range")
                owner.requests.append((self.path, rng))
                body = owner.files.get(self.path)
                if body is None:
                    self.send_error(404, "Not Found")
                    return
                start = 0
                if rng and not owner.ignore_range:
                    start = int(rng.split("=")[1].split("-")[0])
                    if start >= len(body):
                        self.send_error(416, "Range Not Satisfiable")
                        return
                    self.send_response(206)
                    self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
                else:
                    self.send_response(200)
                rest = body[start:]
                self.send_header("Content-Length", str(len(rest)))
                self.end_headers()
                if owner.cut.get(self.path, 0) > 0:
                    owner.cut[self.path] -= 1
                    self.wfile.write(rest[: len(rest) // 2])  # then the connection closes early
                    return
                self.wfile.write(rest)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"


@pytest.fixture
def server():
    srv = Server()
    srv.thread.start()
    yield srv
    srv.httpd.shutdown()
    srv.httpd.server_close()
    srv.thread.join(timeout=5)


@pytest.fixture
def news_gz() -> bytes:
    return gzip.compress(corpus("news/news_sentences.txt").read_bytes(), mtime=0)


@pytest.fixture
def coco_json() -> bytes:
    captions = corpus("coco/train_captions.txt").read_text(encoding="utf-8").splitlines()
    doc = {"annotations": [{"id": i, "image_id": i, "caption": c} for i, c in enumerate(captions)]}
    return json.dumps(doc).encode()


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_download_gz_with_checksum_then_prepare(server, news_gz, tmp_path, capsys):
    server.files["/news.gz"] = news_gz
    out = tmp_path / "raw" / "news.gz"
    rc = cli.main(["download", server.url("/news.gz"), "--out", str(out), "--sha256", sha(news_gz), "--no-progress"])
    assert rc == 0, capsys.readouterr().err
    assert out.read_bytes() == news_gz
    assert not (tmp_path / "raw" / "news.gz.part").exists()
    assert server.requests == [("/news.gz", None)]
    block = {"type": "text", "format": "text.gz", "min_freq": 10, "min_len": 20, "max_len": 51,
             "num_train": 100, "num_test": 20}
    rc = cli.main(["prepare", "--dataset", "wmt", "--settings", json.dumps(block), "--source", str(out),
                   "--seed", "0", "--out-dir", str(tmp_path / "data"), "--no-progress"])
    assert rc == 0, capsys.readouterr().err
    stats = json.loads((tmp_path / "data" / "stats.json").read_text(encoding="utf-8"))
    assert stats["lines_read"] == 10000 and stats["sentences"]["after_min_freq"] == 3151


def test_download_coco_json_then_prepare(server, coco_json, tmp_path, capsys):
    server.files["/captions_train2014.json"] = coco_json
    out = download(server.url("/captions_train2014.json"), tmp_path / "c.json", sha(coco_json), progress=False)
    assert out.read_bytes() == coco_json
    block = {"type": "text", "format": "coco-json", "min_freq": 10, "max_len": 32, "num_train": 100, "num_test": 20}
    rc = cli.main(["prepare", "--dataset", "coco", "--settings", json.dumps(block), "--source", str(out),
                   "--seed", "0", "--out-dir", str(tmp_path / "data"), "--no-progress"])
    assert rc == 0, capsys.readouterr().err
    stats = json.loads((tmp_path / "data" / "stats.json").read_text(encoding="utf-8"))
    assert stats["lines_read"] == 10000 and stats["sentences"]["after_min_freq"] == 3625


def test_resume_after_a_cut_connection(server, news_gz, tmp_path):
    server.files["/news.gz"] = news_gz
    server.cut["/news.gz"] = 1
    out = download(server.url("/news.gz"), tmp_path / "news.gz", sha(news_gz), retries=2, timeout=10, progress=False)
    assert out.read_bytes() == news_gz
    half = len(news_gz) // 2
    assert server.requests == [("/news.gz", None), ("/news.gz", f"bytes={half}-")]


def test_resume_in_a_later_run_keeps_the_part_file(server, news_gz, tmp_path):
    server.files["/news.gz"] = news_gz
    server.cut["/news.gz"] = 1
    out, part = tmp_path / "news.gz", tmp_path / "news.gz.part"
    with pytest.raises(UserError) as err:
        download(server.url("/news.gz"), out, sha(news_gz), retries=0, timeout=10, progress=False)
    half = len(news_gz) // 2
    assert str(err.value).startswith(f"{server.url('/news.gz')}: download incomplete after 1 tries")
    assert f"{half} bytes kept in {part}, run again to resume" in str(err.value)
    assert not out.exists() and part.stat().st_size == half
    download(server.url("/news.gz"), out, sha(news_gz), retries=0, timeout=10, progress=False)
    assert out.read_bytes() == news_gz and not part.exists()
    assert server.requests[-1] == ("/news.gz", f"bytes={half}-")


def test_server_that_ignores_range_restarts_from_zero(server, coco_json, tmp_path):
    server.files["/c.json"] = coco_json
    server.cut["/c.json"] = 1
    server.ignore_range = True
    out = download(server.url("/c.json"), tmp_path / "c.json", sha(coco_json), retries=1, timeout=10, progress=False)
    assert out.read_bytes() == coco_json


def test_checksum_mismatch_leaves_nothing(server, news_gz, tmp_path, capsys):
    server.files["/news.gz"] = news_gz
    out = tmp_path / "news.gz"
    rc = cli.main(["download", server.url("/news.gz"), "--out", str(out), "--sha256", "0" * 64, "--no-progress"])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 2 and len(err) == 1
    assert err[0] == (f"leakgan download: error: {server.url('/news.gz')}: sha256 {sha(news_gz)} does not match the "
                      f"expected {'0' * 64}; the file changed upstream or is corrupt: fix the dataset's `sha256` "
                      "(or `test_sha256`) in config.yaml")
    assert list(tmp_path.iterdir()) == []


def test_missing_url_is_one_line(server, tmp_path, capsys):
    rc = cli.main(["download", server.url("/nope.gz"), "--out", str(tmp_path / "x.gz"), "--no-progress"])
    err = capsys.readouterr().err.strip()
    assert rc == 2
    assert err == f"leakgan download: error: {server.url('/nope.gz')}: HTTP 404 Not Found; check the dataset's `source` in config.yaml"
    assert list(tmp_path.iterdir()) == []


def test_file_url(tmp_path):
    (tmp_path / "src.txt").write_bytes(b"one line\n")
    out = download((tmp_path / "src.txt").as_uri(), tmp_path / "copy.txt", sha(b"one line\n"), progress=False)
    assert out.read_bytes() == b"one line\n"


def test_dns_failure_says_nothing_was_downloaded(tmp_path, capsys):
    url = "http://nonexistent.invalid/x.txt"
    out = tmp_path / "downloads" / "x.txt"
    started = time.monotonic()
    rc, err = run(capsys, "download", url, "--out", out, "--retries", "0", "--timeout", "5", "--no-progress")
    assert time.monotonic() - started < 60
    assert_one_line(rc, err, "download", f"{url}: nothing downloaded after 1 tries (host 'nonexistent.invalid' not found (",
                    exact=False)
    assert err[0].endswith("); check the URL (the dataset's `source` in config.yaml) and the network connection")
    assert "bytes kept" not in err[0] and ".part" not in err[0]
    assert list(tmp_path.iterdir()) == []  # no .part file, not even the folder
