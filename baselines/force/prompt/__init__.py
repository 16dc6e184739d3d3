"""The Force Prompting model: CogVideoX image-to-video with a force ControlNet branch (docs/force-prompt.md).

`controlnet` (the branch), `pipeline` (ForcePromptPipeline), `forces` (checks, control videos, the
original's words), `data` and `train` (the recipe with accelerate), `tiny` (an offline stand-in base).
Import the modules themselves: this package imports nothing, so that listing it stays cheap.
"""
