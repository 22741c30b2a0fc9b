"""Quality figures on labelled real data (never installed with the bot: `pip install .` ships bot/ only).

`python -m evaluation` (or `make eval`) prints each figure beside a baseline measured in the same run.
extraction.py: the article cleaner against the extraction-dev gold bodies (baseline: keep everything).
vendors.py: which vendor a story is about, on the labelled vendor-dev and multi-outlet sets (baseline:
every vendor the title names), cross-validated; train_vendors.py fits the shipped subject weights.
clustering.py: one story per event on the multi-outlet dev split, pairwise P/R/F1 strict and lenient
(baseline: headline word overlap); train_cluster.py fits the same-event model with grouped CV;
full_text.py: how many members of full-text stories belong to another event (dev-time data only).
"""
