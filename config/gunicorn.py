"""gunicorn's settings for the web process (the image's CMD and bench/load/run.py load this file:
`gunicorn config.wsgi:application -c config/gunicorn.py`). docs/operations/index.md says why each.

The environment sizes it: WEB_CONCURRENCY processes (3) of WEB_THREADS threads (4) each, the
recommendation for a 2-core host.
"""

import os

# PORT as platforms (Heroku, Render, Cloud Run, Fly) set it; the image and compose use 8000.
bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
# A thread waits on PostgreSQL while another in the same process renders a page.
worker_class = "gthread"
# The app is loaded, and warmed up (config/warmup.py: the URLconf, the templates), once in the
# master; each worker is forked with it, so a new worker (at boot, or replacing one after
# max_requests) serves its first request as fast as its thousandth, and the workers share those
# pages of memory. The master opens no database or cache connection. A code change needs a
# restart (a deploy starts new containers), not SIGHUP.
# `make dev` (Procfile.dev) sets GUNICORN_RELOAD=1: there each worker loads the app itself and is
# replaced when a source file changes, so development is served exactly as production is (bounded
# threads, each holding at most one database connection) and still follows edits.
reload = os.environ.get("GUNICORN_RELOAD") == "1"
preload_app = not reload
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
threads = int(os.environ.get("WEB_THREADS", "4"))
timeout = 30
graceful_timeout = 30
# Seconds an idle keep-alive connection stays open (gthread parks it in its poller, no thread
# waits on it). Longer than any client or load balancer leaves a connection idle before reusing
# it: closed first by gunicorn, a connection the other side reuses at that moment resets its
# request (the load test's clients idle 2-8 s saw that at gunicorn's default of 5). Behind a
# balancer, set WEB_KEEPALIVE above the balancer's idle timeout (75 covers 60, AWS ALB's and
# nginx's default; Google's load balancers keep backends 600 s: 620).
keepalive = int(os.environ.get("WEB_KEEPALIVE", "75"))
# A worker is replaced after this many requests (a guard against slow leaks). Each replacement
# closes the keep-alive connections the worker holds (a client sending on one at that moment
# reads a reset; browsers and proxies send it again), and the new worker starts with empty
# per-process caches (each tenant's calendar, the prepared statements): at 1,000 the load test's
# 100 users replaced a worker every 80 s and read 5 resets in 2 minutes.
max_requests = int(os.environ.get("WEB_MAX_REQUESTS", "20000"))
max_requests_jitter = max_requests // 10
# The heartbeat files go to memory: in a container /tmp sits on the overlay filesystem.
worker_tmp_dir = "/dev/shm"  # noqa: S108  # nosec B108
accesslog = "-"
errorlog = "-"
# Nothing uses gunicorn's control interface (gunicornc); its default socket under $HOME would be
# shared by every gunicorn of the user on the host, and the image's user has no home to write to.
control_socket_disable = True
