"""`make run`: the web server with a Celery worker and beat beside it.

With REDIS_URL set, the worker and beat use it. Without it, a private redis-server is started under .var/
when the machine has one; otherwise tasks run eagerly inside the web process (and this says so).
Ctrl-C (or SIGTERM) stops everything this started; the embedded PostgreSQL keeps running (`make stop-db`).
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _stop(signum, frame):
    raise KeyboardInterrupt


def main() -> int:
    # SIGTERM (kill, a process manager) stops everything this started, as Ctrl-C does.
    signal.signal(signal.SIGTERM, _stop)
    procs: list[subprocess.Popen] = []
    env = dict(os.environ)
    if not env.get("REDIS_URL") and shutil.which("redis-server"):
        port = free_port()
        data = ROOT / ".var" / "redis"
        data.mkdir(parents=True, exist_ok=True)
        procs.append(subprocess.Popen(
            ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", str(data)],
            stdout=subprocess.DEVNULL,
        ))
        env["REDIS_URL"] = f"redis://127.0.0.1:{port}/0"
        time.sleep(0.5)
    if env.get("REDIS_URL"):
        print(f"Celery broker: {env['REDIS_URL']} (worker and beat started)")
        procs.append(subprocess.Popen([PY, "-m", "celery", "-A", "capacity_market", "worker", "-l", "warning",
                                       "--concurrency", "2"], env=env, cwd=ROOT))
        procs.append(subprocess.Popen([PY, "-m", "celery", "-A", "capacity_market", "beat", "-l", "warning",
                                       "--schedule", str(ROOT / ".var" / "celerybeat-schedule")], env=env, cwd=ROOT))
    else:
        print("No Redis here: Celery tasks run eagerly inside the web process.")
    if env.get("EMAIL_HOST") or env.get("EMAIL_BACKEND"):
        print(f"E-mails: {env.get('EMAIL_BACKEND') or 'SMTP'} {env.get('EMAIL_HOST', '')}".rstrip())
    else:
        print(f"E-mails are written as files to {env.get('EMAIL_FILE_PATH') or ROOT / '.var' / 'mail'}")
    print("Serving http://127.0.0.1:8000  (Ctrl-C stops)")
    web = subprocess.Popen([PY, "manage.py", "runserver", "127.0.0.1:8000"], env=env, cwd=ROOT)
    procs.append(web)
    try:
        return web.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        for p in reversed(procs):
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()


if __name__ == "__main__":
    sys.exit(main())
