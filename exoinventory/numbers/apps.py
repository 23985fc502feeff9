from django.apps import AppConfig


class NumbersConfig(AppConfig):
    name = "exoinventory.numbers"
    label = "numbers"
    verbose_name = "ExoPhones"
    default_auto_field = "django.db.models.BigAutoField"
