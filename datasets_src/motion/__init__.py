"""Motion suite: physically valid humanoid motions on MuJoCo, injected artifacts, and a corrector."""
