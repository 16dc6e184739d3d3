"""The synthsuite leaderboard as a Hugging Face Space (sdk: gradio), which runs `python app.py`.

It serves the table `synthsuite leaderboard build` writes: `leaderboard.parquet` beside this
file, or the file named by $SYNTHSUITE_LEADERBOARD_TABLE. With neither, it aggregates the local
results store ($SYNTHSUITE_RESULTS, default ~/.cache/synthsuite/results) at start-up. Gradio
reads the address and port from the environment a Space sets (GRADIO_SERVER_NAME, ...).
See docs/leaderboard.md, "Deploying the Space".
"""

import os
from pathlib import Path

import pandas as pd

from synthsuite.leaderboard.app import build_app, launch
from synthsuite.leaderboard.store import ResultsStore, default_root
from synthsuite.leaderboard.table import collect, read_table

TABLE_ENV = "SYNTHSUITE_LEADERBOARD_TABLE"


def load_table() -> pd.DataFrame:
    table = Path(os.environ.get(TABLE_ENV) or Path(__file__).with_name("leaderboard.parquet"))
    return read_table(table) if table.is_file() else collect(ResultsStore(default_root()))


demo = build_app(load_table())  # the name `gradio app.py` (reload mode) looks for

if __name__ == "__main__":
    launch(demo)
