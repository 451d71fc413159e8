"""Running the suite on submissions: one (:mod:`.runner`), or a class (:mod:`.batch`, with
its :mod:`.ledger` and :mod:`.executors`); :mod:`.launch` starts the pytest runs."""
