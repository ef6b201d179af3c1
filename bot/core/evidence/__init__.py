"""Evidence for five-whys drafts: facts Loopwatch has, no guessing."""
