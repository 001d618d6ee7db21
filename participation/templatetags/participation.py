"""What a visitor may do with a comment, for templates; the same predicates as the services."""

from django import template

from participation.services import can_delete_comment, can_edit_comment

register = template.Library()


@register.filter
def editable_by(comment, user) -> bool:
    return can_edit_comment(user, comment)


@register.filter
def deletable_by(comment, user) -> bool:
    return can_delete_comment(user, comment)


@register.filter
def get_item(mapping: dict, key):
    """`replies|get_item:comment.pk` — a dict lookup by a variable key."""
    return mapping.get(key)
