"""Template helpers that put the design system's classes on Django's widgets."""

from django import forms, template
from django.forms.boundfield import BoundField

register = template.Library()


@register.filter
def is_checkbox(field: BoundField) -> bool:
    return isinstance(field.field.widget, forms.CheckboxInput)


@register.filter
def is_select(field: BoundField) -> bool:
    return isinstance(field.field.widget, forms.Select)


@register.filter
def kern_widget(field: BoundField) -> str:
    """The field's widget with KERN's input, select or checkbox class (plus its error variant)."""
    if is_checkbox(field):
        css = "kern-form-check__checkbox"
    elif is_select(field):
        css = "kern-form-input__select"
    else:
        css = "kern-form-input__input"
    if field.errors:
        css += f" {css}--error"
    existing = field.field.widget.attrs.get("class", "")
    return field.as_widget(attrs={"class": f"{existing} {css}".strip()})
