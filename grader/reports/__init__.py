"""Every report gradspec writes, each rendered from one grade.

:mod:`.run`: the reports of one graded run (Gradescope's ``results.json``, the feedback
pages, ``junit.xml``, ``grade.json``), each a function of a :class:`grader.result.RunResult`.
:mod:`.gradebook`: the reports of a class (``grades.csv``, the Canvas import, the class
report), each a function of the batch's ledger entries, which hold each run's summary.
"""
