# gunicorn reads this file from the directory it starts in (docker-compose's web, bench/, make
# api-check). The access log names the path without its query string, and no referrer: a list's
# search (a name, an NHS number, a date of birth) rides in the query string (dualcare/log_filters.py).
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(L)s "%(a)s"'
