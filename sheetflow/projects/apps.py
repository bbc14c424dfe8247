from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "sheetflow.projects"
    label = "projects"
