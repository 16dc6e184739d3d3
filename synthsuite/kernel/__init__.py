"""The shared kernel at the bottom of every pillar: errors, atomic files, hashing, seeding, the
version and the suite records. It imports nothing of the project above it (a test checks this).
"""
