# Helper module for the legacy DirStartUp.py (helpers are plain Python 3).

import time


def volume_name(client, level, numvols, now=None):
    now = time.localtime(now)
    safe = "".join(c if c.isalnum() or c in ":.-_" else "_" for c in client)
    return "%s-%s-%s-%04d" % (safe, level[:4], time.strftime("%Y%m%d", now), numvols + 1)
