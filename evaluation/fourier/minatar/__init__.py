"""MinAtar evaluation: tasks `minatar/<game>` (tasks.py), scored by playing the game (evaluator.py).

An agent trained offline on minatar-replay is scored online: the mean return over many episodes,
normalised between the random policy and the DQN that made the data, and the smoothness of the
action distributions it acted with.
"""
