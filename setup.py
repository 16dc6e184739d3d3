"""Packages of the one distribution: the pillars' folders stay at the top of the repository and are
imported as `synthsuite.<pillar>` (e.g. `synthsuite.evaluation`), so that their generic names never
collide with other installed packages. pyproject.toml holds everything else."""

from setuptools import find_packages, setup

PILLARS = ("datasets_src", "baselines", "evaluation", "leaderboard")

packages = find_packages(include=["synthsuite", "synthsuite.*"])
package_dir = {"synthsuite": "synthsuite"}
for pillar in PILLARS:
    package_dir[f"synthsuite.{pillar}"] = pillar
    packages += [f"synthsuite.{name}" for name in find_packages(include=[pillar, f"{pillar}.*"])]

setup(packages=packages, package_dir=package_dir)
