"""The event store: the one module that appends hash-chained events, for every evidential stream.

A stream is a head table (a work order, a supervision case) whose row is the projection of an
append-only event table. :mod:`hotline.eventstore.store` chains and appends events and moves the
head under the database's write lock; :mod:`hotline.eventstore.verify` walks every registered
stream; :mod:`hotline.eventstore.guard` installs the triggers that refuse UPDATE and DELETE;
:mod:`hotline.eventstore.anchor` signs checkpoints of every head (存证锚点) and checks the database
against them; :mod:`hotline.eventstore.backup` backs the database up and restores it.
Apps define and register their streams; this package imports no app.
"""
