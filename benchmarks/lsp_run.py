"""Time `tpm lsp` against a warm `tpm check` of the same repository, in the same run.

    python benchmarks/lsp_run.py [--documents 5000] [--commits 50000] [--edits 50] [--soak 1000]

On the history benchmark's repository (made by history_generate.py, as history_run.py
makes it), a minimal JSON-RPC client talks to `tpm lsp` over stdio and times:

- check (warm): `tpm check` with the caches a previous run left, as a process (the floor);
- first diagnostics, cold server: from starting `tpm lsp` to the diagnostics of the first
  opened document (initialize, the project loaded from warm caches, the first lint);
- first diagnostics, warm server: from `didOpen` of another document to its diagnostics;
- edit: from a `didChange` to the diagnostics it causes, median over `--edits` edits that
  alternate between a valid document and one with an enum typo (the server started with
  `debounce_ms: 0`; in an editor the 150 ms debounce comes on top);

and the server's resident memory (VmRSS) before and after `--soak` more edits. Goals: an
edit's diagnostics cost under a tenth of a warm check; memory stays flat (grows < 10%).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import queue
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
TODAY = "2026-11-30"
sys.path.insert(0, str(HERE.resolve()))
from bytecode import compile_tpm  # noqa: E402  (a sibling script)
from history_run import history_repo  # noqa: E402  (a sibling script, found through the path just set)


class Client:
    """A minimal LSP client: Content-Length framed JSON-RPC over the server's stdio."""

    def __init__(self, cwd: Path, env: dict[str, str]) -> None:
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tpm", "lsp"],
            cwd=cwd,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        self.messages: queue.Queue[dict[str, Any]] = queue.Queue()
        self.next_id = 0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        stream = self.process.stdout
        assert stream is not None
        while True:
            length = 0
            while True:
                line = stream.readline()
                if not line:
                    return
                if line in (b"\r\n", b"\n"):
                    break
                name, _, value = line.decode().partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            self.messages.put(json.loads(stream.read(length)))

    def send(self, message: dict[str, Any]) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        assert self.process.stdin is not None
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
        self.process.stdin.flush()

    def request(self, method: str, params: Any) -> Any:
        self.next_id += 1
        self.send({"id": self.next_id, "method": method, "params": params})
        return self.wait(lambda m: m.get("id") == self.next_id and "method" not in m).get("result")

    def notify(self, method: str, params: Any) -> None:
        self.send({"method": method, "params": params})

    def wait(self, wanted: Any) -> dict[str, Any]:
        while True:
            message = self.messages.get(timeout=120)
            if "method" in message and "id" in message:  # a request from the server: answer null
                self.send({"id": message["id"], "result": None})
                continue
            if wanted(message):
                return message

    def diagnostics_of(self, uri: str) -> list[dict[str, Any]]:
        found = self.wait(lambda m: m.get("method") == "textDocument/publishDiagnostics" and m["params"]["uri"] == uri)
        diagnostics: list[dict[str, Any]] = found["params"]["diagnostics"]
        return diagnostics

    def rss_kib(self) -> int:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0

    def close(self) -> None:
        self.request("shutdown", None)
        self.notify("exit", None)
        self.process.wait(timeout=30)


def timed(command: list[str], cwd: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def open_document(client: Client, repo: Path, path: str) -> str:
    uri = (repo / path).as_uri()
    text = (repo / path).read_text()
    client.notify(
        "textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "markdown", "version": 1, "text": text}}
    )
    return uri


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--documents", type=int, default=5000)
    parser.add_argument("--commits", type=int, default=50000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--edits", type=int, default=50)
    parser.add_argument("--soak", type=int, default=1000)
    args = parser.parse_args(argv)
    compile_tpm()  # timed as installed: from bytecode (see bytecode.py)

    repo = history_repo(args.documents, args.commits, args.seed)
    env = {**os.environ, "TPM_TODAY": TODAY}
    milestones = sorted(p.relative_to(repo).as_posix() for p in (repo / "project" / "milestones").glob("*.md"))
    first, second = milestones[0], milestones[1]

    timed(["tpm", "check"], repo, env)  # leaves warm caches
    check = statistics.median(timed(["tpm", "check"], repo, env) for _ in range(args.repeat))

    colds = []
    for _ in range(args.repeat):
        client = Client(repo, env)
        client.request("initialize", {"processId": os.getpid(), "rootUri": repo.as_uri(), "capabilities": {}})
        client.notify("initialized", {})
        uri = open_document(client, repo, first)
        client.diagnostics_of(uri)
        colds.append(time.perf_counter() - client.started)
        client.close()

    client = Client(repo, env)
    client.request(
        "initialize",
        {
            "processId": os.getpid(),
            "rootUri": repo.as_uri(),
            "capabilities": {},
            "initializationOptions": {"debounce_ms": 0},
        },
    )
    client.notify("initialized", {})
    client.diagnostics_of(open_document(client, repo, first))
    start = time.perf_counter()
    uri = open_document(client, repo, second)
    client.diagnostics_of(uri)
    warm_open = time.perf_counter() - start

    text = (repo / second).read_text()
    status = next(line for line in text.split("\n") if line.startswith("status: "))
    broken = text.replace(status, "status: planed", 1)
    version = 1

    def edit(new: str) -> float:
        nonlocal version
        version += 1
        began = time.perf_counter()
        client.notify(
            "textDocument/didChange",
            {"textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": new}]},
        )
        client.diagnostics_of(uri)
        return time.perf_counter() - began

    edits = [edit(broken if i % 2 == 0 else text) for i in range(args.edits)]
    rss_before = client.rss_kib()
    for i in range(args.soak):
        edit(broken if i % 2 == 0 else text)
    rss_after = client.rss_kib()
    client.close()

    return report(args, check, statistics.median(colds), warm_open, edits, rss_before, rss_after)


def report(
    args: argparse.Namespace,
    check: float,
    cold: float,
    warm_open: float,
    edits: list[float],
    rss_before: int,
    rss_after: int,
) -> int:
    """Print the Markdown tables; 0 when every goal is met."""
    edit_median = statistics.median(edits)
    print(f"\nPython {platform.python_version()}, {platform.system()} {platform.machine()}, {os.cpu_count()} cores")
    print(f"{args.documents} documents, {args.commits} commits (seed {args.seed}); medians\n")
    print("| measure | seconds |\n| --- | ---: |")
    print(f"| tpm check (warm), median of {args.repeat} | {check:.3f} |")
    print(f"| first diagnostics, cold server (start to publish), median of {args.repeat} | {cold:.3f} |")
    print(f"| first diagnostics, warm server (didOpen to publish) | {warm_open:.3f} |")
    print(f"| edit: didChange to publish, median of {args.edits} (debounce 0; +0.150 in editors) | {edit_median:.4f} |")
    print(f"| edit: slowest of {args.edits} | {max(edits):.4f} |\n")
    print("| memory | KiB |\n| --- | ---: |")
    print(f"| VmRSS after {args.edits} edits | {rss_before} |")
    print(f"| VmRSS after {args.soak} more edits | {rss_after} |\n")
    growth = (rss_after - rss_before) / rss_before if rss_before else 0.0
    goals = [
        ("edit / warm check", edit_median / check, "< 0.10", edit_median / check < 0.10),
        ("warm open / warm check", warm_open / check, "< 0.10", warm_open / check < 0.10),
        ("cold server / warm check", cold / check, "(reported)", True),
        (f"RSS growth over {args.soak} edits", growth, "< 0.10", growth < 0.10),
    ]
    print("| ratio | value | goal | met |\n| --- | ---: | --- | --- |")
    for name, value, goal, met in goals:
        print(f"| {name} | {value:.3f} | {goal} | {'yes' if met else 'NO'} |")
    return 0 if all(met for *_, met in goals) else 1


if __name__ == "__main__":
    sys.exit(main())
