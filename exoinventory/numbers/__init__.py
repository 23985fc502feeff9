"""The numbers app: ExoPhones, their sync from Exotel and the reports.

It lives inside the project package, with app label `numbers`, because a
top-level package called `numbers` would shadow the standard library's
`numbers` module that `decimal` imports.
"""
