"""What comes in: a class's submissions found on disk (:mod:`.discover`), and each one made
safe to grade (:mod:`.submission`), with one content hash for both."""
