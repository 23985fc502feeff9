"""The admin of the numbers app: one module per kind of page.

Importing the modules registers their ModelAdmins (Django's autodiscover
imports this package).
"""

from exoinventory.numbers.admin import exophones, records

__all__ = ["exophones", "records"]
