"""Real time series that Python packages ship inside their wheels, read offline.

Two disjoint roles: "zero-shot" series are only ever forecast (the `timeseries-zero-shot` dataset),
"training" series only ever feed `tsmixup`, and no source file has series in both roles, so a model
trained on tsmixup has never seen a file it is evaluated on. Every source states its licence; the
files are read straight from the installed package (no network, no pandas), and the sha256 of each
file is part of the generators' environment, so a package that ships other bytes is noticed.

Sources, series, frequencies and licences are listed in `SOURCES` and in the timeseries-zero-shot
and tsmixup dataset cards (card.py). statsmodels is BSD-3-Clause, vega_datasets MIT. Missing values
(12 weeks of co2) are filled by linear interpolation; fertility rows with a missing year are left out.
"""

import csv
import hashlib
import importlib.util
import io
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from importlib.metadata import version
from pathlib import Path

import numpy as np

from synthsuite.kernel.errors import UserError

# seasonality by frequency, as gluonts's get_seasonality (daily 7, weekly 1), and the forecast horizon
SEASON = {"hourly": 24, "daily": 7, "weekly": 1, "monthly": 12, "quarterly": 4, "yearly": 1}
HORIZON = {"hourly": 24, "daily": 14, "weekly": 13, "monthly": 18, "quarterly": 8, "yearly": 6}


@dataclass(frozen=True)
class Source:
    name: str
    package: str  # import name
    distribution: str  # PyPI name
    path: str  # file inside the package
    licence: str
    role: str  # "zero-shot" or "training"


SOURCES = {
    s.name: s
    for s in (
        Source("co2", "statsmodels", "statsmodels", "datasets/co2/co2.csv", "public domain", "zero-shot"),
        Source(
            "sunspots-yearly",
            "statsmodels",
            "statsmodels",
            "datasets/sunspots/sunspots.csv",
            "public domain (NOAA NGDC)",
            "zero-shot",
        ),
        Source(
            "sunspots-monthly",
            "statsmodels",
            "statsmodels",
            "datasets/sunspots/src/sunspots_monthly.dat",
            "public domain (NOAA NGDC)",
            "zero-shot",
        ),
        Source("nile", "statsmodels", "statsmodels", "datasets/nile/nile.csv", "public domain", "zero-shot"),
        Source(
            "elec-equip",
            "statsmodels",
            "statsmodels",
            "datasets/elec_equip/elec_equip.csv",
            "public domain (Eurostat)",
            "zero-shot",
        ),
        Source(
            "macrodata",
            "statsmodels",
            "statsmodels",
            "datasets/macrodata/macrodata.csv",
            "public domain (FRED, BLS)",
            "zero-shot",
        ),
        Source(
            "seattle-temps",
            "vega_datasets",
            "vega-datasets",
            "_data/seattle-temps.csv",
            "public domain (NOAA)",
            "zero-shot",
        ),
        Source(
            "sf-temps",
            "vega_datasets",
            "vega-datasets",
            "_data/sf-temps.csv",
            "public domain (NOAA)",
            "zero-shot",
        ),
        Source(
            "seattle-weather",
            "vega_datasets",
            "vega-datasets",
            "_data/seattle-weather.csv",
            "public domain (NOAA)",
            "zero-shot",
        ),
        Source(
            "us-employment",
            "vega_datasets",
            "vega-datasets",
            "_data/us-employment.csv",
            "public domain (BLS)",
            "zero-shot",
        ),
        Source(
            "elnino",
            "statsmodels",
            "statsmodels",
            "datasets/elnino/elnino.csv",
            "public domain (NOAA)",
            "training",
        ),
        Source(
            "danish",
            "statsmodels",
            "statsmodels",
            "datasets/danish_data/data.csv",
            "public domain",
            "training",
        ),
        Source(
            "fertility",
            "statsmodels",
            "statsmodels",
            "datasets/fertility/fertility.csv",
            "World Bank terms of use (CC BY 4.0)",
            "training",
        ),
    )
}


@dataclass(frozen=True)
class RealSeries:
    key: str  # unique, e.g. "macrodata/realgdp"
    source: str
    frequency: str
    start: str  # ISO date of the first value
    values: np.ndarray  # float64, no missing values

    @property
    def licence(self) -> str:
        return SOURCES[self.source].licence


def _file(source: Source) -> Path:
    spec = importlib.util.find_spec(source.package)
    if spec is None or not spec.submodule_search_locations:
        raise UserError(
            f"Python package {source.distribution!r} (it ships the {source.name!r} series) is not installed",
            "pip install 'synthsuite[timeseries]'",
        )
    return Path(next(iter(spec.submodule_search_locations))) / source.path


def _rows(source: Source) -> list[dict[str, str]]:
    text = _file(source).read_text(encoding="utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def _interpolate(values: np.ndarray) -> np.ndarray:
    missing = np.isnan(values)
    if missing.any():
        index = np.arange(len(values))
        values = values.copy()
        values[missing] = np.interp(index[missing], index[~missing], values[~missing])
    return values


def _number(text: str) -> float:
    return float(text) if text.strip() else np.nan


def _co2() -> list[RealSeries]:
    rows = _rows(SOURCES["co2"])
    values = _interpolate(np.array([_number(r["co2"]) for r in rows]))
    start = datetime.strptime(rows[0]["date"], "%Y%m%d").date().isoformat()
    return [RealSeries("co2/co2", "co2", "weekly", start, values)]


def _sunspots_yearly() -> list[RealSeries]:
    rows = _rows(SOURCES["sunspots-yearly"])
    values = np.array([float(r["SUNACTIVITY"]) for r in rows])
    return [
        RealSeries(
            "sunspots-yearly/sunactivity", "sunspots-yearly", "yearly", f"{rows[0]['YEAR']}-01-01", values
        )
    ]


def _sunspots_monthly() -> list[RealSeries]:
    values, first_year = [], None
    for line in _file(SOURCES["sunspots-monthly"]).read_text().splitlines():
        fields = line.split()
        if fields and fields[0].isdigit() and len(fields[0]) == 4 and len(fields) >= 2:
            first_year = first_year or fields[0]
            values.extend(float(v) for v in fields[1:13])
    return [
        RealSeries(
            "sunspots-monthly/sunspots",
            "sunspots-monthly",
            "monthly",
            f"{first_year}-01-01",
            np.array(values),
        )
    ]


def _nile() -> list[RealSeries]:
    rows = _rows(SOURCES["nile"])
    values = np.array([float(r["volume"]) for r in rows])
    return [RealSeries("nile/volume", "nile", "yearly", f"{rows[0]['year']}-01-01", values)]


def _elec_equip() -> list[RealSeries]:
    rows = _rows(SOURCES["elec-equip"])
    column = next(c for c in rows[0] if c != "DATE")
    values = np.array([float(r[column]) for r in rows])
    start = datetime.strptime(rows[0]["DATE"], "%b-%d-%Y").date().isoformat()
    return [RealSeries("elec-equip/orders", "elec-equip", "monthly", start, values)]


def _macrodata() -> list[RealSeries]:
    rows = _rows(SOURCES["macrodata"])
    start = date(int(rows[0]["year"]), 3 * int(float(rows[0]["quarter"])) - 2, 1).isoformat()
    return [
        RealSeries(f"macrodata/{c}", "macrodata", "quarterly", start, np.array([float(r[c]) for r in rows]))
        for c in ("realgdp", "realcons", "realinv", "cpi", "m1", "unemp")
    ]


def _hourly(name: str) -> list[RealSeries]:
    rows = _rows(SOURCES[name])
    values = _interpolate(np.array([_number(r["temp"]) for r in rows]))
    start = datetime.strptime(rows[0]["date"][:10], "%Y/%m/%d").date().isoformat()
    return [RealSeries(f"{name}/temp", name, "hourly", start, values)]


def _seattle_weather() -> list[RealSeries]:
    rows = _rows(SOURCES["seattle-weather"])
    start = datetime.strptime(rows[0]["date"], "%Y/%m/%d").date().isoformat()
    return [
        RealSeries(
            f"seattle-weather/{c}", "seattle-weather", "daily", start, np.array([float(r[c]) for r in rows])
        )
        for c in ("temp_max", "temp_min", "wind")
    ]


def _us_employment() -> list[RealSeries]:
    rows = _rows(SOURCES["us-employment"])
    return [
        RealSeries(
            f"us-employment/{c}",
            "us-employment",
            "monthly",
            rows[0]["month"],
            np.array([float(r[c]) for r in rows]),
        )
        for c in ("nonfarm", "construction", "manufacturing", "leisure_and_hospitality")
    ]


def _elnino() -> list[RealSeries]:
    rows = _rows(SOURCES["elnino"])
    months = [m for m in rows[0] if m != "YEAR"]
    values = np.array([float(r[m]) for r in rows for m in months])
    return [RealSeries("elnino/nino12", "elnino", "monthly", f"{rows[0]['YEAR']}-01-01", values)]


def _danish() -> list[RealSeries]:
    rows = _rows(SOURCES["danish"])
    year, quarter = rows[0]["period"].split("Q")
    start = date(int(year), 3 * int(quarter) - 2, 1).isoformat()
    return [
        RealSeries(f"danish/{c}", "danish", "quarterly", start, np.array([float(r[c]) for r in rows]))
        for c in ("lrm", "lry", "lpy", "ibo", "ide")
    ]


def _fertility() -> list[RealSeries]:
    rows = _rows(SOURCES["fertility"])
    # the file has columns up to 2013, but no country has values after 2011
    years = [c for c in rows[0] if c.isdigit() and any(row[c].strip() for row in rows)]
    series = []
    for row in rows:
        values = np.array([_number(row[y]) for y in years])
        if not np.isnan(values).any():
            series.append(
                RealSeries(
                    f"fertility/{row['Country Code']}", "fertility", "yearly", f"{years[0]}-01-01", values
                )
            )
    return series


_READERS = {
    "co2": _co2,
    "sunspots-yearly": _sunspots_yearly,
    "sunspots-monthly": _sunspots_monthly,
    "nile": _nile,
    "elec-equip": _elec_equip,
    "macrodata": _macrodata,
    "seattle-temps": lambda: _hourly("seattle-temps"),
    "sf-temps": lambda: _hourly("sf-temps"),
    "seattle-weather": _seattle_weather,
    "us-employment": _us_employment,
    "elnino": _elnino,
    "danish": _danish,
    "fertility": _fertility,
}


@cache
def series(role: str) -> tuple[RealSeries, ...]:
    """Every series of one role ("zero-shot" or "training"), in a fixed order."""
    return tuple(s for name, source in SOURCES.items() if source.role == role for s in _READERS[name]())


def environment(role: str) -> dict[str, str]:
    """Package versions and the sha256 of every source file of `role`: what the bytes depend on."""
    found: dict[str, str] = {}
    for source in SOURCES.values():
        if source.role != role:
            continue
        found[source.distribution] = version(source.distribution)
        found[f"sha256:{source.name}"] = hashlib.sha256(_file(source).read_bytes()).hexdigest()
    return found
