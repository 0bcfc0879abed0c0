"""CPython's side of the dispatch benchmark (make bench).

Loads examples/scripts/DirStartUp.py with a `bacula` module written in
Python whose Job class behaves like rdird's, then times the same NewVolume
handler called the same number of times, and a JobStart while another
job's JobEnd sleeps 5 s in a thread of the same interpreter. Prints the
same lines as bench/dispatch.rs.
"""

import importlib.util
import sys
import time
import types

N = int(sys.argv[1]) if len(sys.argv) > 1 else 100000
T0 = time.perf_counter()


class Job:
    def __init__(self):
        self.Job, self.JobId, self.Level = "NightlySave", 1, "Incremental"
        self.Client, self.Pool, self.Priority = "web-fd", "Inc", 10
        self._volume = ""
        self._report = []
        self._events = None

    @property
    def NumVols(self):
        return 7

    @property
    def VolumeName(self):
        return self._volume

    @VolumeName.setter
    def VolumeName(self, v):
        if not isinstance(v, str):
            raise TypeError("VolumeName must be a str")
        if not v or len(v) > 127 or any(not (c.isalnum() or c in ":.-_") for c in v):
            raise ValueError("illegal volume name")
        self._volume = v

    @property
    def JobReport(self):
        raise AttributeError("JobReport is write-only")

    @JobReport.setter
    def JobReport(self, text):
        self._report.append(text)

    def DoesVolumeExist(self, name):
        return 0

    def set_events(self, events):
        self._events = events


bacula = types.ModuleType("bacula")
bacula.Name, bacula.Version = "bench-dir", "cpython"
bacula.ConfigFile, bacula.WorkingDir = "examples/bacula-dir.conf", "/tmp"
bacula.set_events = lambda obj: setattr(bacula, "events", obj)
bacula.write = lambda text: None
sys.modules["bacula"] = bacula
sys.path.insert(0, "examples/scripts")
spec = importlib.util.spec_from_file_location("DirStartUp", "examples/scripts/DirStartUp.py")
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
startup = time.perf_counter() - T0

job = Job()
bacula.events.JobStart(job)
events = job._events
for _ in range(1000):
    job._volume = ""
    events.NewVolume(job)
times = []
for _ in range(N):
    t = time.perf_counter()
    job._volume = ""
    events.NewVolume(job)
    times.append(time.perf_counter() - t)
    job._report.clear()
times.sort()
print("newvolume_median_us %.2f" % (times[len(times) // 2] * 1e6))
print("newvolume_p99_us %.2f" % (times[int((len(times) - 1) * 0.99)] * 1e6))
class Noop:
    def NewVolume(self, job):
        pass


noop = Noop()
times = []
for _ in range(N):
    t = time.perf_counter()
    noop.NewVolume(job)
    times.append(time.perf_counter() - t)
times.sort()
print("noop_event_median_us %.2f" % (times[len(times) // 2] * 1e6))
print("noop_event_p99_us %.2f" % (times[int((len(times) - 1) * 0.99)] * 1e6))


class Slow:
    def JobStart(self, job):
        pass

    def JobEnd(self, job):
        time.sleep(5)


def concurrent_job_start(rounds):
    import threading

    slow, starts = Slow(), []
    for _ in range(rounds):
        ending = threading.Thread(target=slow.JobEnd, args=(Job(),))
        ending.start()
        time.sleep(0.2)
        t = time.perf_counter()
        slow.JobStart(Job())
        starts.append(time.perf_counter() - t)
        ending.join()
    starts.sort()
    return starts[len(starts) // 2]


if N:
    print("concurrent_job_start_ms %.3f" % (concurrent_job_start(3) * 1e3))
print("startup_to_script_loaded_ms %.1f" % (startup * 1e3))
try:
    import resource
    print("peak_rss_mib %.1f" % (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))
except ImportError:
    pass
