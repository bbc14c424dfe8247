from django import forms

from sheetflow.projects.models import Level

LEVEL_CHOICES = [(lv.value, lv.label) for lv in Level]


class MemberLevelsForm(forms.Form):
    drawings = forms.TypedChoiceField(choices=LEVEL_CHOICES, coerce=int)
    connection_manager = forms.TypedChoiceField(choices=LEVEL_CHOICES, coerce=int)


class MemberAddForm(MemberLevelsForm):
    email = forms.EmailField(max_length=254, label="Email of the person to add")
    field_order = ["email", "drawings", "connection_manager"]


class ProjectForm(forms.Form):
    name = forms.CharField(max_length=200)
    code = forms.CharField(max_length=30)
