"""The one way a view attaches a service's ValidationError to its form (hub.forms_utils)."""

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from hub.forms_utils import form_add_service_errors


class TitleForm(forms.Form):
    title = forms.CharField()
    video = forms.CharField(required=False)


def bound() -> TitleForm:
    form = TitleForm({"title": "党课"})
    assert form.is_valid()
    return form


def test_errors_go_to_the_field_they_name_and_the_rest_to_the_form():
    form = bound()
    exc = ValidationError(
        {"title": "标题重复", "building": "不在辖区内", NON_FIELD_ERRORS: "时间冲突"}  # no "building" field
    )
    form_add_service_errors(form, exc)
    assert form.errors["title"] == ["标题重复"]
    assert form.non_field_errors() == ["不在辖区内", "时间冲突"]
    assert "title" not in form.cleaned_data  # Django drops a field's value once it has an error


def test_an_error_without_a_field_goes_to_the_form_or_to_the_field_given():
    form = bound()
    form_add_service_errors(form, ValidationError(["一", "二"]))
    assert form.non_field_errors() == ["一", "二"]

    form = bound()
    form_add_service_errors(form, ValidationError("文件太大"), field="video")
    assert form.errors["video"] == ["文件太大"]
    assert not form.non_field_errors()

    form = bound()
    form_add_service_errors(form, ValidationError({"unknown": "x", "title": "y"}), field="video")
    assert form.errors == {"video": ["x"], "title": ["y"]}
