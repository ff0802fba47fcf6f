"""A dbt process started while the run is still ingesting, so the dbt step does not wait
for Python to import dbt.

Every `dbt build` starts a process that imports dbt-core, its DuckDB adapter and, for the
Python models, pandas and scipy: ≈2 s before dbt reads the project, on each run — a
school's corrected file as much as a region. The ingest step starts a warm process for
its run (`start`): it imports all of that, then waits on a Unix socket named after the
run. When the dbt step runs `msoko-dbt` (orchestration/dbt_launcher.py), the launcher
hands the warm process its arguments, environment, working directory and its own stdout
and stderr (SCM_RIGHTS), and waits: dbt runs in the warm process, writing to dagster-dbt's
pipe as a dbt of its own would. The launcher forwards SIGINT and SIGTERM, and exits with
dbt's exit code once the warm process has exited — after DuckDB's checkpoint at close, as a
dbt process of its own ends.

One dbt command per warm process. Nothing is lost when there is none: the launcher finds no
socket (not started, not on Linux, expired, died while importing) and runs dbt itself.
The warm process is in the run's process group (a crash that kills the run's group kills
it too, as it would a dbt child) and leaves by itself when the run's process is gone or
after WAIT_S unused (a region's ingestion takes ≈45 s here; a longer one starts dbt
cold). Only a process of the same user may hand it a command (SO_PEERCRED).
"""
from __future__ import annotations

import json
import os
import signal
import socket
import struct
import subprocess
import sys
import time

DBT_STEP = "msoko_dbt_models"        # the dbt assets' op and step (orchestration/dbt_assets.py)
WARM_ENV = "MSOKO_DBT_WARM"          # the socket's name, for msoko-dbt in the dbt step
WAIT_S = 300.0
SERVED, UNUSED = 0, 3                 # the warm process's exit status
POLL_S = 1.0
# Imported before the command comes: dbt's CLI and the modules a build loads on its way
# (the adapter plugin, the build task, the Python models' libraries).
PRELOAD = ["dbt.cli.main", "dbt.adapters.duckdb", "dbt.task.build", "dbt.parser.manifest",
           "agate", "pandas", "scipy.special"]
# dbt checks its flags, project and profile against JSON schemas it builds on first use and
# then caches (dbtClassMixin.json_schema): ≈0.3–0.4 s that the command paid after it came.
SCHEMAS = [("dbt.contracts.project", "ProjectFlags"), ("dbt.contracts.project", "Project"),
           ("dbt.contracts.project", "Configuration"),
           ("dbt.adapters.duckdb.credentials", "DuckDBCredentials")]
_started: dict[str, subprocess.Popen] = {}


def socket_name(run_id: str) -> str:
    return f"msoko-dbt-warm-{run_id}"


def _address(name: str) -> str:
    # Linux's abstract namespace: no file to leave behind or to clean up after a crash.
    return "\0" + name


def start(run_id: str) -> None:
    """Start this run's warm dbt process (Linux; elsewhere dbt starts as before)."""
    if not sys.platform.startswith("linux") or run_id in _started:
        return
    _started[run_id] = subprocess.Popen(
        [sys.executable, "-m", "orchestration.dbt_warm", run_id, str(os.getpid())],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        close_fds=True)


def environment_for(run_id: str) -> dict[str, str]:
    """The variable that sends this run's dbt command to its warm process, if it has one."""
    return {WARM_ENV: socket_name(run_id)} if run_id in _started else {}


def finish(run_id: str, wait_s: float = 10.0) -> bool:
    """After the dbt step: reap the process, which ends by itself once it has run dbt (the
    launcher waited for that); one that never got a command is ended after wait_s. True
    when it ran the dbt command."""
    process = _started.pop(run_id, None)
    if process is None:
        return False
    try:
        process.wait(timeout=wait_s)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    return process.returncode == SERVED


def stop(run_id: str) -> None:
    """The run will not reach dbt: end its warm process now."""
    process = _started.get(run_id)
    if process is not None and process.poll() is None:
        process.terminate()
    finish(run_id)


# --- the launcher's side -------------------------------------------------------------

def run_warm(name: str, argv: list[str]) -> int | None:
    """dbt's exit code, dbt having run in the warm process `name`; None when there is no
    warm process to run it (the caller runs dbt itself)."""
    client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        client.connect(_address(name))
        payload = json.dumps({"argv": argv, "env": dict(os.environ),
                              "cwd": os.getcwd()}).encode()
        socket.send_fds(client, [struct.pack("!I", len(payload)) + payload],
                        [sys.stdout.fileno(), sys.stderr.fileno()])
        started = _read_exact(client, 4)
    except OSError:
        started = b""
    if len(started) < 4:
        client.close()
        return None                       # it died before dbt started: nothing has run
    pid = struct.unpack("!I", started)[0]
    forward = lambda signum, _frame: _signal(pid, signum)  # noqa: E731
    previous = {s: signal.signal(s, forward) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        ended = _read_exact(client, 4)
        while client.recv(4096):          # until it exits (after DuckDB's checkpoint)
            pass
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        client.close()
    if len(ended) < 4:
        print("msoko-dbt: the warm dbt process ended without an exit code", file=sys.stderr)
        return 1
    return struct.unpack("!i", ended)[0]


def _signal(pid: int, signum: int) -> None:
    try:
        os.kill(pid, signum)
    except ProcessLookupError:
        pass


def _read_exact(sock: socket.socket, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            break
        data += chunk
    return data


# --- the warm process ----------------------------------------------------------------

def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:               # alive, under another user
        pass
    return True


def _accept(server: socket.socket, run_pid: int) -> socket.socket | None:
    deadline = time.monotonic() + WAIT_S
    server.settimeout(POLL_S)
    while True:
        try:
            conn, _ = server.accept()
        except TimeoutError:
            if not _alive(run_pid) or time.monotonic() > deadline:
                return None
            continue
        uid = struct.unpack("3i", conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED,
                                                  struct.calcsize("3i")))[1]
        if uid == os.getuid():
            conn.settimeout(None)
            return conn
        conn.close()


def _receive(conn: socket.socket) -> tuple[dict, list[int]]:
    data, fds, _flags, _addr = socket.recv_fds(conn, 1 << 16, 2)
    size = struct.unpack("!I", data[:4])[0]
    body = data[4:]
    while len(body) < size:
        chunk = conn.recv(size - len(body))
        if not chunk:
            raise ConnectionError("the launcher went away mid-request")
        body += chunk
    return json.loads(body), fds


def _run_dbt(request: dict) -> int:
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    os.environ.pop(WARM_ENV, None)        # this is the warm process: dbt runs here
    sys.argv = request["argv"]
    # click names the program after argv[0] unless __main__ is a package's module (this
    # one is, run with -m): as the launcher's own dbt, «msoko-dbt» in usage and messages.
    sys.modules["__main__"].__package__ = None
    from orchestration.dbt_launcher import main
    try:
        code = main()
    except SystemExit as done:
        code = done.code
    except BaseException:                 # dbt's own errors end in SystemExit; anything else
        import traceback                  # is reported as a dbt process would report it
        traceback.print_exc()
        code = 2
    if code is None:
        return 0
    return code if isinstance(code, int) else 1


def preload() -> None:
    """What the warm process does while it waits: PRELOAD's imports and SCHEMAS' schemas.
    Anything missing is left to dbt, which then does it when the command runs."""
    import importlib
    for module in PRELOAD:
        try:
            importlib.import_module(module)
        except ImportError:
            pass
    for module, name in SCHEMAS:
        try:
            getattr(importlib.import_module(module), name).json_schema()
        except (ImportError, AttributeError):
            pass


def serve(run_id: str, run_pid: int) -> int:
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(_address(socket_name(run_id)))      # bound first: a launcher that comes early waits
    server.listen(1)
    preload()
    conn = _accept(server, run_pid)
    server.close()                        # one command per process
    if conn is None:
        return UNUSED
    request, fds = _receive(conn)
    for target, fd in zip((1, 2), fds):
        os.dup2(fd, target)
        os.close(fd)
    conn.sendall(struct.pack("!I", os.getpid()))
    code = _run_dbt(request)
    sys.stdout.flush()
    sys.stderr.flush()
    conn.sendall(struct.pack("!i", code))
    return SERVED                         # the connection closes when this process has exited


if __name__ == "__main__":
    sys.exit(serve(sys.argv[1], int(sys.argv[2])))
