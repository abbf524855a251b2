from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "lihui.api"
    label = "api"
    verbose_name = "API"
