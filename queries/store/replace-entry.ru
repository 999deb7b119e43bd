# One vocabulary's catalogue entry replaced after a change (changes/writer.py): the exact triples of the old
# entry (its dataset, partitions and the root's commit stamp) out, the new ones in. Joined after
# store/apply-change, in the same transaction. No PREFIX (joined).
DELETE DATA { GRAPH {{catalogue}} { {{old}} } } ;
INSERT DATA { GRAPH {{catalogue}} { {{new}} } }
