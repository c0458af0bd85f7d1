"""The demo city (``hotline demo``).

Seeded in this order by :func:`build_demo` (``seed``): the reference data, users for every role
and 40 agents (``reference``, from the names in ``city``); 90 days of imported history with
planted misconduct (``history``); three days of the call center's queue_log, agents sitting in
"busy" and one leaving the post (``calls``); a hundred orders walked through the services into
every state, phone orders carrying the id of the call they were taken from so 受理率 has
something to join (``live``); then the dispatch model is trained and the supervision engine run.
"""

from hotline.demo.seed import build_demo

__all__ = ["build_demo"]
