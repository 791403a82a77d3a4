"""The demo portfolio's accounts data: customers, people, account histories, teams and
contacts, sales lines and activities, the texts they use (`vocabulary`) and the reset. The
builder that runs every app's steps in order is project wiring: kam/demo/builder.py.
"""
