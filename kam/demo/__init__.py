"""The demo portfolio (`manage.py seed_demo`): project wiring that runs every app's demo steps in
order (`builder`).
"""
