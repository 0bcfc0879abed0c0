# Helper module for DirStartUp.py: how new volumes are named.
#
# It lives beside DirStartUp.py and is imported like any Python module.

import time


def volume_name(client, level, numvols, now=None):
    """A volume name from the client, the job level and today's date.

    Only letters, digits and :.-_ are legal in a volume name, so anything
    else in the client name becomes "_".
    """
    now = time.localtime(now)
    safe = "".join(c if c.isalnum() or c in ":.-_" else "_" for c in client)
    return "%s-%s-%s-%04d" % (safe, level[:4], time.strftime("%Y%m%d", now), numvols + 1)
