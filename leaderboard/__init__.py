"""Submission validation, aggregation, the static site and the Gradio app (docs/leaderboard.md).

model_card.py  model.json, the model's metadata
checks.py      what makes a result rankable on its task (shared by submission and build)
verify.py      verified scores: recomputed from a submission's predictions on the pinned split
submission.py  reading and checking a submission (folder or --results); the local store or a Hub PR
store.py       the results store: one folder per accepted submission, added atomically, listed safely
table.py       every stored entry as one row with its provenance, read in isolation; per-suite boards
publish.py     a results store (e.g. reference/store) pushed to the Hub like a dataset
display.py     how both show things: metric names and directions, number formats, ranks
plots.py       bar charts and per-model per-layer curves (matplotlib, SVG, labels as plain text)
site.py        the static site (atomic build, downloads); assets.py its stylesheet and script
app.py         the Gradio app with filters
"""
