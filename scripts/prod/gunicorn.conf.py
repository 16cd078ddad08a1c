"""gunicorn settings of the production stack (scripts/prod.sh); the sizing numbers are the two constants below.

Read by `gunicorn -c scripts/prod/gunicorn.conf.py config.wsgi:application`. scripts/prod.sh passes the bind
address, the pid file and the log file through PROD_GUNICORN_* variables; PROD_GUNICORN_WORKERS and
PROD_GUNICORN_THREADS override the sizing (the smoke test runs two small workers).
"""

import os


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


# Sizing: gunicorn's rule of thumb, 2 × cores + 1 processes, each with a few threads (gthread) so that a
# request waiting on PostgreSQL or on a report's LibreOffice does not hold a whole process.
WORKERS = 2 * _cores() + 1
THREADS = 4

bind = [os.environ.get("PROD_GUNICORN_BIND", "127.0.0.1:8001")]
workers = int(os.environ.get("PROD_GUNICORN_WORKERS") or WORKERS)
threads = int(os.environ.get("PROD_GUNICORN_THREADS") or THREADS)
worker_class = "gthread"
# A worker takes a connection only while one of its threads is free (worker_connections = threads), so that
# a busy worker does not queue requests behind its threads while another one idles: with 32 phones pushing,
# that queueing made the push's p99 about 6x its median, and at three quarters of the stack's own rate the
# p99 was seconds instead of under 100 ms (docs/deployment.md, "Latency"). So the connection closes after
# each answer (keepalive 0: a kept-alive connection is one more the worker holds); nginx then opens a new
# one on the unix socket for each request, which costs little next to a request.
worker_connections = threads
keepalive = 0
# A request longer than this is killed (the largest import is a background job, never a request).
timeout = 60
graceful_timeout = 30
# Recycle a worker after this many requests, each worker at its own count between max_requests and twice
# that. Starting a worker costs about 2.3 s of CPU (Django, the Vietnamese tokenizer, the assistant's
# index): with a jitter of a tenth (5000 ± 500), requests spread evenly over the workers brought them all
# to their count within seconds of each other, and the stack served a third of its rate while five of
# them started at once (benchmarks/bench_load.py, the third round of the trivial view: 300 req/s
# instead of 900). Spread over a whole period, the restarts come one by one.
max_requests = 20000
max_requests_jitter = 20000
# The code is loaded by each worker, not the master, so `kill -HUP <master>` reloads new code without downtime.
preload_app = False
# The unix socket is for nginx only: owner and group (scripts/prod.sh gives the socket's directory nginx's group).
umask = 0o007
pidfile = os.environ.get("PROD_GUNICORN_PIDFILE") or None
errorlog = os.environ.get("PROD_GUNICORN_ERRORLOG", "-")
accesslog = None  # nginx writes the access log
loglevel = "info"
proc_name = "binhdan"
# gunicorn's control socket (`gunicornc`) sits beside the pid file, never in the shared ~/.gunicorn/.
control_socket = os.environ.get("PROD_GUNICORN_CONTROL_SOCKET") or None
control_socket_disable = control_socket is None
# Requests come only from nginx, over the socket or localhost: X-Forwarded-Proto from it is believed.
forwarded_allow_ips = "127.0.0.1,::1"
