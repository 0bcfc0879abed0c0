# DirStartUp.py: an example Director script for rdird (Python 3).
#
# rdird imports this file at start-up from the Director's Scripts Directory.
# It names new volumes by client, level and date, and logs each job's start
# and end with its level and status.
#
# Try it without a Director:
#   rdird script simulate examples/scripts/DirStartUp.py --job Client=web-fd,Level=Incremental

import time

import bacula
import volnames


class JobEvents:
    """Events of one job: registered in JobStart with job.set_events()."""

    def JobInit(self, job):
        print("JobInit: %s level %s, priority %d" % (job.Job, job.Level, job.Priority))

    def JobRun(self, job):
        print("JobRun: %s on client %s, pool %s" % (job.Job, job.Client, job.Pool))

    def NewVolume(self, job):
        name = volnames.volume_name(job.Client, job.Level, job.NumVols)
        if job.DoesVolumeExist(name):
            # Leave VolumeName empty: the pool's Label Format names it.
            job.JobReport = "Volume %s exists already; using the Label Format" % name
            return
        job.VolumeName = name
        job.JobReport = "New volume for %s: %s" % (job.Client, name)

    def VolumePurged(self, job):
        print("Volume %s was purged" % job.VolumeName)

    def VolumeFull(self, job):
        print("Volume %s is full" % job.VolumeName)


class BaculaEvents:
    """Events of the Director: registered with bacula.set_events()."""

    def JobStart(self, job):
        job.set_events(JobEvents())
        job.JobReport = "Python: %s JobId %d started at level %s (%s)" % (
            job.Job, job.JobId, job.Level, time.strftime("%Y-%m-%d %H:%M:%S"))

    def JobEnd(self, job):
        job.JobReport = "Python: %s JobId %d ended with status %s, %d files, %d errors" % (
            job.Job, job.JobId, job.JobStatus, job.JobFiles, job.JobErrors)

    def Exit(self):
        bacula.write("Director %s is shutting down\n" % bacula.Name)


bacula.set_events(BaculaEvents())
