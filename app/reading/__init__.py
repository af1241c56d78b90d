"""Reading: the reader's facts (context), logging a log, counting it, the offline batch and a
reader's history."""
