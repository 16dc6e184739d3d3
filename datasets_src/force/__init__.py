"""Force Prompting's training videos: point forces on rolling balls (force-point) and wind on
flags (force-wind), rendered with Blender (bpy 5.0.1) in a separate Python environment.

This package is also imported by the render worker under the Blender Python (see worker.py),
which has no datasets/pydantic and numpy < 2: keep this file free of imports. The generators are
in `synthsuite.datasets_src.force.generator`.
"""
