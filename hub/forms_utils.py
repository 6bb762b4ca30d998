"""Form helpers shared by every app (the floor: imports nothing above hub)."""

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.forms import BaseForm


def form_add_service_errors(form: BaseForm, exc: ValidationError, *, field: str | None = None) -> None:
    """Attach a service's ValidationError to the form that fed it: each error on the field it names when
    the form has that field, everything else on `field` (default: the form as a whole).

    Django's own form.add_error(None, exc) raises ValueError when exc names a field the form lacks (a
    service checks more than one form shows), which would turn a refusal into a 500.
    """
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name != NON_FIELD_ERRORS and name in form.fields else field, errors)
    else:
        form.add_error(field, exc.error_list)
