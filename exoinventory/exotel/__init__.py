"""The Exotel API as this project uses it: account URLs, the HTTP client, payloads
read into records, the request budget, Exotel's dates, money and phone-number forms.

Imports no Django and nothing from the numbers app, so it can be read, tested and
reused on its own.
"""
