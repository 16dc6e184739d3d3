"""Force Prompting baselines: models that turn a first frame, a caption and a force into a video."""
