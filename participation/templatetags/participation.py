"""Template tags of the participation pages.

- `editable_by`, `deletable_by`: what a visitor may do with a comment (the services' predicates).
- `get_item`: a dict lookup by a variable key.
- `{% sharedcache %}` with `{% personal %}` holes: a fragment rendered once and shared by every
  visitor with the same key, in which only the holes are rendered for each request.
"""

import re
import secrets

from django import template
from django.core.cache import cache
from django.core.cache.utils import make_template_fragment_key
from django.template.base import Node, NodeList
from django.template.context import Context
from django.utils.safestring import SafeString, mark_safe

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


# --- Shared fragments with personal holes ------------------------------------------------------
#
#     {% sharedcache 60 "proposal_page" proposal.pk content_version LANGUAGE_CODE can_comment %}
#         … shared by everybody with the same key …
#         {% personal comment=comment %}… rendered for each request …{% endpersonal %}
#     {% endsharedcache %}
#
# When the fragment is missing, it is rendered with a marker in place of each hole; the markers
# split it into a list of HTML strings and holes, and the list is cached. Each request then joins
# the strings with its own rendering of the holes. A hole sees the request's context plus the
# values it names (`comment=comment`), which are resolved when the fragment is rendered and kept
# with it, so a hole inside a loop knows its iteration. A hole that names no values is rendered
# once per request, however often it occurs (a CSRF field in every reply form).
#
# A hole that is personal only for one person names them with `owner` and gives what everybody
# else sees after `{% others %}`; that part is rendered with the shared fragment:
#
#     {% personal owner=comment.author_id pk=comment.pk %}edit, delete{% others %}report
#     {% endpersonal %}
#
# Everything outside the holes must depend only on the key: the viewer's role and permissions
# that change what is shown belong in the key, anything about the viewer as a person (their
# name, their rating, their own comments, the CSRF token) in a hole. The key should hold the
# content version, so no fragment outlives a write.

_MARKING = "_sharedcache_marking"


class PersonalNode(Node):
    """A hole in a shared fragment (outside one, it renders as if the tag were not there)."""

    child_nodelists = ("nodelist", "nodelist_others")

    def __init__(self, nodelist: NodeList, captures: dict, nodelist_others=None) -> None:
        self.nodelist = nodelist
        self.nodelist_others = nodelist_others
        self.owner = captures.pop("owner", None)
        self.captures = captures

    def render(self, context: Context) -> str:
        marking = context.get(_MARKING)
        if not marking:
            return self._render_for(context, self.owner and self.owner.resolve(context))
        if id(self) not in marking["holes"]:
            # Rendered here, the visitor's data would land in the shared fragment.
            raise template.TemplateSyntaxError(
                "A 'personal' hole must be in the template of its 'sharedcache', not included."
            )
        captured = {name: value.resolve(context) for name, value in self.captures.items()}
        hole = [marking["holes"][id(self)], captured]
        if self.owner is not None:
            hole += [self.owner.resolve(context), self.nodelist_others.render(context)]
        marking["found"].append(tuple(hole))
        return f"\x00{marking['nonce']}:{len(marking['found']) - 1}\x00"

    def _render_for(self, context: Context, owner) -> str:
        """The hole for this request's visitor: their own part, or what others see."""
        if self.owner is None or _owns(getattr(context.get("user"), "pk", None), owner):
            return self.nodelist.render(context)
        return self.nodelist_others.render(context)


def _owns(viewer, owner) -> bool:
    """Whether the visitor (their pk, None when anonymous) is the owner of a hole."""
    return viewer is not None and viewer == owner


class SharedCacheNode(Node):
    child_nodelists = ("nodelist",)

    def __init__(self, nodelist: NodeList, timeout, name: str, vary_on: list) -> None:
        self.nodelist = nodelist
        self.timeout = timeout
        self.name = name
        self.vary_on = vary_on
        self.holes = nodelist.get_nodes_by_type(PersonalNode)

    def render(self, context: Context) -> SafeString:
        vary_on = [var.resolve(context) for var in self.vary_on]
        # The count of holes: a changed template never fills an old fragment's holes wrongly.
        key = make_template_fragment_key(f"shared.{self.name}.{len(self.holes)}", vary_on)
        segments = cache.get(key)
        if segments is None:
            segments = self._render_shared(context)
            cache.set(key, segments, int(self.timeout.resolve(context)))
        return self._fill(segments, context)

    def _render_shared(self, context: Context) -> list:
        nonce = secrets.token_hex(8)  # unguessable: a visitor's text cannot fake a marker
        marking = {"nonce": nonce, "holes": {id(h): n for n, h in enumerate(self.holes)}}
        marking["found"] = []
        with context.push({_MARKING: marking}):
            html = self.nodelist.render(context)
        parts = re.split(f"\x00{nonce}:(\\d+)\x00", html)
        for n in range(1, len(parts), 2):
            parts[n] = marking["found"][int(parts[n])]
        return parts

    def _fill(self, segments: list, context: Context) -> SafeString:
        out, once = [], {}
        viewer = getattr(context.get("user"), "pk", None)
        with context.push({_MARKING: None}):
            for segment in segments:
                if isinstance(segment, str):
                    out.append(segment)
                    continue
                index, captured, *owner_and_others = segment
                hole = self.holes[index]
                if owner_and_others and not _owns(viewer, owner_and_others[0]):
                    out.append(owner_and_others[1])  # what everybody but the owner sees
                elif captured:
                    with context.push(captured):
                        out.append(hole.nodelist.render(context))
                else:
                    if index not in once:
                        once[index] = hole.nodelist.render(context)
                    out.append(once[index])
        return mark_safe("".join(out))  # noqa: S308 (rendered by the template engine)


@register.tag
def personal(parser, token) -> PersonalNode:
    """`{% personal [owner=pk] [name=value …] %}…[{% others %}…]{% endpersonal %}`: a hole."""
    bits = token.split_contents()[1:]
    captures = template.base.token_kwargs(bits, parser)
    if bits:
        raise template.TemplateSyntaxError("'personal' takes only name=value arguments.")
    nodelist = parser.parse(("others", "endpersonal"))
    others = None
    if parser.next_token().contents == "others":
        others = parser.parse(("endpersonal",))
        parser.delete_first_token()
    if ("owner" in captures) != (others is not None):
        raise template.TemplateSyntaxError("'personal' takes 'owner' and 'others' together.")
    return PersonalNode(nodelist, captures, others)


@register.tag
def sharedcache(parser, token) -> SharedCacheNode:
    """`{% sharedcache timeout name [vary_on …] %}…{% endsharedcache %}` (see above)."""
    bits = token.split_contents()
    if len(bits) < 3:
        raise template.TemplateSyntaxError("'sharedcache' needs a timeout and a name.")
    nodelist = parser.parse(("endsharedcache",))
    parser.delete_first_token()
    if nodelist.get_nodes_by_type(SharedCacheNode):
        raise template.TemplateSyntaxError("A 'sharedcache' cannot hold another one.")
    return SharedCacheNode(
        nodelist,
        parser.compile_filter(bits[1]),
        bits[2].strip("'\""),
        [parser.compile_filter(bit) for bit in bits[3:]],
    )
