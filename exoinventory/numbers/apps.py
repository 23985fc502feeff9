from django.apps import AppConfig


class NumbersConfig(AppConfig):
    name = "exoinventory.numbers"
    label = "numbers"
    verbose_name = "ExoPhones"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Registers the system checks.
        from exoinventory.numbers import checks  # noqa: F401
