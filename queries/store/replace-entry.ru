# One vocabulary's catalogue entry updated after a change (changes/writer.py): the triples of the old
# entry that changed (counts, dates, version; the root's commit stamp) out, their new values in. Joined after
# store/apply-change, in the same transaction. No PREFIX (joined).
DELETE DATA { GRAPH {{catalogue}} { {{old}} } } ;
INSERT DATA { GRAPH {{catalogue}} { {{new}} } }
