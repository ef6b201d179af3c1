"""Campaign steering (issue 9): what to run next, how runs differ, how far the goal is."""
