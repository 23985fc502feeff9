"""exoinventory: the inventory of an organisation's Exotel ExoPhones."""

from exoinventory.celery_app import app as celery_app

__all__ = ["celery_app"]
