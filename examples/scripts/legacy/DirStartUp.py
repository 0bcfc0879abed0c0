#
# DirStartUp.py in the style of Bacula 2.x Director scripts (Python 2):
# print statements, sys.stdout sent to the job, job.run("run ..."), and an
# Exit method declared with a job argument. rdird rewrites the Python 2
# statements when it loads the file (Python Legacy Syntax = yes); it does
# the same work as ../DirStartUp.py and writes the same job report.
#

# You must import both sys and bacula
import sys, time, bacula
import volnames

class BaculaEvents(object):
  def __init__(self):
     noop = 1

  def JobStart(self, job):
     """
       A new job: register the events we want for it, and send
       what we print to its report.
     """
     events = JobEvents()         # create instance of Job class
     events.job = job             # save Bacula's job pointer
     job.set_events(events)       # register events desired
     sys.stdout = events          # send stdout to Bacula
     sys.stderr = events          # send error output to Bacula
     job.JobReport = "Python: %s JobId %d started at level %s (%s)" % (job.Job, job.JobId, job.Level, time.strftime("%Y-%m-%d %H:%M:%S"))

  def JobEnd(self, job):
     job.JobReport = "Python: %s JobId %d ended with status %s, %d files, %d errors" % (job.Job, job.JobId, job.JobStatus, job.JobFiles, job.JobErrors)

  # Called when the Director exits; Bacula 2.x declared it with a job.
  def Exit(self, job):
     if job <> None:
        print >>sys.stderr, "Exit called with a job:", `job`
     bacula.write("Director %s is shutting down\n" % bacula.Name)

bacula.set_events(BaculaEvents()) # register daemon events desired

class JobEvents(object):
  def __init__(self):
     noop = 1

  def JobInit(self, job):
     print "JobInit: %s level %s, priority %d" % (job.Job, job.Level, job.Priority)

  def JobRun(self, job):
     print "JobRun: %s on client %s, pool %s" % (job.Job, job.Client, job.Pool)

  def NewVolume(self, job):
     name = volnames.volume_name(job.Client, job.Level, job.NumVols)
     try:
        exists = job.DoesVolumeExist(name)
     except TypeError, e:
        print "DoesVolumeExist failed:", e
        exists = 0
     if exists:
        job.JobReport = "Volume %s exists already; using the Label Format" % name
        return
     job.VolumeName = name
     job.JobReport = "New volume for %s: %s" % (job.Client, name)
     return 1

  def VolumePurged(self, job):
     print "Volume %s was purged" % job.VolumeName

  def VolumeFull(self, job):
     print "Volume %s is full" % job.VolumeName

  # A Restore job after each failed backup, as 2.x scripts did
  def restore_after(self, job):
     if job.JobStatus <> 'T':
        jobid = job.run("run job=RestoreFiles yes")
        print "started restore", jobid,
        print

  # Pass output back to Bacula
  def write(self, text):
     self.job.write(text)
