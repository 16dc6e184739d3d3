"""Submission validation, aggregation, the static site and the Gradio app (docs/leaderboard.md).

model_card.py  model.json, the model's metadata
checks.py      what makes a result rankable on its task (shared by submission and build)
submission.py  reading and checking a submission folder; the local store or a Hub pull request
store.py       the results store: one folder per accepted submission, added atomically
table.py       every stored result as one row with its provenance; per-suite boards
plots.py       bar charts and per-layer curves (matplotlib, SVG)
site.py        the static site; assets.py its stylesheet and sorting script
app.py         the Gradio app with filters
"""
