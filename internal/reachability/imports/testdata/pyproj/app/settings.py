INSTALLED_APPS = ["rest_framework"]
