"""The document title: "<page title> | <site name>", or the site name alone when a page sets no title.

`base.html` wraps its `title` block in `{% filter page_title:site_name %}`: the block is rendered first (escaped as
usual), so the separator is written only when the page gave a title (Django templates have no `self.title`)."""

from django import template
from django.utils.html import conditional_escape, format_html

register = template.Library()


@register.filter(is_safe=True)
def page_title(value, site_name) -> str:
    title = conditional_escape(value)  # the rendered block is already safe: kept as it is
    if not title.strip():
        return conditional_escape(site_name)
    return format_html("{} | {}", title, site_name)
