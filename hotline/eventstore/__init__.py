"""The event store: the one module that appends hash-chained events, for every evidential stream.

A stream is a head table (a work order, a supervision case) whose row is the projection of an
append-only event table. :mod:`hotline.eventstore.store` chains and appends events and moves the
head under the database's write lock; :mod:`hotline.eventstore.verify` walks every registered
stream; :mod:`hotline.eventstore.guard` installs the triggers that refuse UPDATE and DELETE.
Apps define and register their streams; this package imports no app.
"""
