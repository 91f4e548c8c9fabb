"""NHS.UK design-system components as block tags: the table and the summary list.

Every table and summary list in Stepcare's templates is written with these (ADR 0019), so the
markup that accessibility checks rely on lives in one place:

    {% load components %}
    {% table "Appointments coming up" head="When|Type|#Minutes|~Change" testid="upcoming" %}
      {% for a in upcoming %}{% row %}{% cell %}{{ a.starts_at }}{% endcell %}…{% endrow %}{% endfor %}
    {% endtable %}

- ``table``: a caption (always, as its first argument or worked out in a ``{% caption %}`` block
  inside it; ``caption_hidden=True`` keeps it for screen readers only,
  ``caption_size`` is s, m, l or xl) and one header cell per column from ``head`` (a list, or a
  string split on ``|``). A column whose name starts ``#`` is numeric (header and cells aligned
  right); one starting ``~`` is an action column whose header text is visually hidden, never
  empty. ``responsive=True`` gives the design system's responsive table, each cell labelled with
  its column's heading on a narrow screen. ``testid`` and ``classes`` add to the table.
  For columns known only while rendering (a register, a week), ``{% tablehead %}`` holds
  ``{% headcell %}``s instead of ``head``.
- ``row``: a body row (``testid``, ``classes``, and ``data_<name>=`` for other data attributes).
- ``cell``: a body cell, numeric when its column is; ``header=True`` makes it the row's header
  (``<th scope="row">``); ``numeric``, ``colspan``, ``classes``, ``testid`` and ``data_<name>``
  as needed.
- ``summary_list`` with ``summary_row "Key"``: key and value rows; a row may end in an action
  link (``href``, ``action`` its visible text, ``context`` visually hidden text after it, so the
  link's accessible name starts with what it shows). ``border=False`` drops the borders.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django import template
from django.template.base import FilterExpression, Node, NodeList, Parser, Token
from django.template.context import Context
from django.template.loader import render_to_string
from django.utils.html import conditional_escape, format_html, strip_tags
from django.utils.safestring import mark_safe

register = template.Library()

TABLE = "_stepcare_table"
ROW = "_stepcare_row"


@dataclass(frozen=True)
class Column:
    """One column of a table, from its ``head`` entry."""

    text: str
    numeric: bool = False
    hidden: bool = False

    @classmethod
    def parse(cls, spec: str) -> Column:
        spec = str(spec).strip()
        numeric = spec.startswith("#")
        spec = spec.removeprefix("#")
        hidden = spec.startswith("~")
        text = spec.removeprefix("~").strip()
        if not text:
            raise template.TemplateSyntaxError("A table's column needs a name (start it with ~ to hide it).")
        return cls(text=text, numeric=numeric, hidden=hidden)


@dataclass
class TableState:
    columns: list[Column]
    responsive: bool


@dataclass
class RowState:
    position: int = 0
    spans: list[int] = field(default_factory=list)


def columns_from(head: Any) -> list[Column]:
    specs = str(head).split("|") if isinstance(head, str) else list(head or [])
    return [Column.parse(spec) for spec in specs]


def _parse(
    parser: Parser, token: Token, end: str
) -> tuple[list[FilterExpression], dict[str, FilterExpression], NodeList]:
    bits = token.split_contents()[1:]
    args: list[FilterExpression] = []
    kwargs: dict[str, FilterExpression] = {}
    for bit in bits:
        name, sep, value = bit.partition("=")
        if sep and name.isidentifier():
            kwargs[name] = parser.compile_filter(value)
        else:
            args.append(parser.compile_filter(bit))
    nodelist = parser.parse((end,))
    parser.delete_first_token()
    return args, kwargs, nodelist


def _values(
    context: Context, args: list[FilterExpression], kwargs: dict[str, FilterExpression]
) -> tuple[list[Any], dict[str, Any]]:
    return [a.resolve(context) for a in args], {k: v.resolve(context) for k, v in kwargs.items()}


def _data_attributes(opts: dict[str, Any]) -> str:
    """``data_referral=r.pk`` as `` data-referral="…"``: the hooks tests and scripts find rows by."""
    return "".join(
        f' data-{name.removeprefix("data_").replace("_", "-")}="{conditional_escape(value)}"'
        for name, value in opts.items()
        if name.startswith("data_")
    )


def _attribute(name: str, value: Any) -> str:
    """`` name="value"``, the value escaped as the template engine escapes it."""
    return f' {name}="{conditional_escape(value)}"'


def _options(context: Context, kwargs: dict[str, FilterExpression]) -> dict[str, Any]:
    return {k: v.resolve(context) for k, v in kwargs.items()}


def _classes(*names: Any) -> str:
    return " ".join(str(n) for n in names if n)


class TableNode(Node):
    def __init__(self, args: list[FilterExpression], kwargs: dict[str, FilterExpression], nodelist: NodeList):
        self.args, self.kwargs, self.nodelist = args, kwargs, nodelist

    def render(self, context: Context) -> str:
        args, opts = _values(context, self.args, self.kwargs)
        caption = args[0] if args else opts.get("caption")
        for node in self.nodelist.get_nodes_by_type(CaptionNode):
            if isinstance(node, CaptionNode):
                worked_out = node.nodelist.render(context)  # safe text: not escaped twice
                caption = worked_out if worked_out.strip() else caption
        if not caption:
            raise template.TemplateSyntaxError("A table needs a caption (caption_hidden=True to hide it).")
        state = TableState(columns=columns_from(opts.get("head")), responsive=bool(opts.get("responsive")))
        heads = [
            node for node in self.nodelist.get_nodes_by_type(TableHeadNode) if isinstance(node, TableHeadNode)
        ]
        head_row = heads[0].nodelist.render(context) if heads else ""  # a node list renders safe text
        with context.push({TABLE: state}):
            body = self.nodelist.render(context)
        size = opts.get("caption_size")
        return render_to_string(
            "_components/table.html",
            {
                "caption": caption,
                "caption_classes": _classes(
                    "nhsuk-table__caption",
                    f"nhsuk-table__caption--{size}" if size else "",
                    "nhsuk-u-visually-hidden" if opts.get("caption_hidden") else "",
                ),
                "classes": _classes(
                    "nhsuk-table", "nhsuk-table--responsive" if state.responsive else "", opts.get("classes")
                ),
                "testid": opts.get("testid"),
                "columns": state.columns,
                "head_row": head_row,
                "responsive": state.responsive,
                "body": body,  # a node list renders safe text, escaped by the engine
            },
        )


class RowNode(Node):
    # Rows and cells are the most rendered nodes of every list page: they write their markup
    # directly (escaped with conditional_escape, as format_html would) rather than through
    # format_html for each attribute.
    def __init__(self, args: list[FilterExpression], kwargs: dict[str, FilterExpression], nodelist: NodeList):
        self.args, self.kwargs, self.nodelist = args, kwargs, nodelist

    def render(self, context: Context) -> str:
        opts = _options(context, self.kwargs)
        table = context.get(TABLE)
        with context.push({ROW: RowState()}):
            cells = self.nodelist.render(context)
        attrs = _attribute("class", _classes("nhsuk-table__row", opts.get("classes")))
        attrs += _data_attributes(opts)
        if table is not None and table.responsive:
            attrs += ' role="row"'
        if opts.get("testid"):
            attrs += _attribute("data-testid", opts["testid"])
        return mark_safe(f"<tr{attrs}>{cells}</tr>")  # noqa: S308 (each value escaped above)


class CellNode(Node):
    def __init__(self, args: list[FilterExpression], kwargs: dict[str, FilterExpression], nodelist: NodeList):
        self.args, self.kwargs, self.nodelist = args, kwargs, nodelist

    def render(self, context: Context) -> str:
        opts = _options(context, self.kwargs)
        table: TableState | None = context.get(TABLE)
        row: RowState | None = context.get(ROW)
        column: Column | None = None
        if table is not None and row is not None:
            if row.position < len(table.columns):
                column = table.columns[row.position]
            row.position += int(opts.get("colspan") or 1)
        content = self.nodelist.render(context)
        header = bool(opts.get("header"))
        numeric = opts["numeric"] if "numeric" in opts else bool(column and column.numeric)
        base = "nhsuk-table__header" if header else "nhsuk-table__cell"
        responsive = table is not None and table.responsive
        classes = _classes(base, f"{base}--numeric" if numeric else "", opts.get("classes"))
        attrs = _attribute("class", classes)
        if header:
            attrs += ' scope="row"'
        if responsive:
            attrs += ' role="rowheader"' if header else ' role="cell"'
        if opts.get("colspan") and not responsive:
            attrs += _attribute("colspan", opts["colspan"])
        if opts.get("testid"):
            attrs += _attribute("data-testid", opts["testid"])
        attrs += _data_attributes(opts)
        label = ""
        if responsive and column is not None:
            label = format_html(
                '<span class="nhsuk-table__heading" aria-hidden="true">{} </span>', column.text
            )
        tag = "th" if header else "td"
        return mark_safe(f"<{tag}{attrs}>{label}{content}</{tag}>")  # noqa: S308 (each value escaped above)


class _SlotNode(Node):
    """Markup worked out in the template for one part of the enclosing table, which renders it
    there; in place it renders nothing."""

    def __init__(self, nodelist: NodeList):
        self.nodelist = nodelist

    def render(self, context: Context) -> str:
        return ""


class CaptionNode(_SlotNode):
    """A caption worked out in the template (``{% caption %}…{% endcaption %}`` inside a table)."""


class TableHeadNode(_SlotNode):
    """Header cells worked out in the template (``{% tablehead %}`` with ``{% headcell %}``s),
    for a table whose columns are not known in advance (a register, a week)."""


@register.tag("caption")
def do_caption(parser: Parser, token: Token) -> CaptionNode:
    return CaptionNode(_until(parser, "endcaption"))


@register.tag("tablehead")
def do_tablehead(parser: Parser, token: Token) -> TableHeadNode:
    return TableHeadNode(_until(parser, "endtablehead"))


def _until(parser: Parser, end: str) -> NodeList:
    nodelist = parser.parse((end,))
    parser.delete_first_token()
    return nodelist


class HeadCellNode(Node):
    def __init__(self, args: list[FilterExpression], kwargs: dict[str, FilterExpression], nodelist: NodeList):
        self.args, self.kwargs, self.nodelist = args, kwargs, nodelist

    def render(self, context: Context) -> str:
        _args, opts = _values(context, self.args, self.kwargs)
        content = self.nodelist.render(context)
        if not strip_tags(content).strip():
            raise template.TemplateSyntaxError(
                "A header cell needs text (visually hidden for an action column)."
            )
        numeric = "nhsuk-table__header--numeric" if opts.get("numeric") else ""
        return format_html(
            '<th scope="col" class="{}">{}</th>',
            _classes("nhsuk-table__header", numeric, opts.get("classes")),
            content,
        )


@register.tag("headcell")
def do_headcell(parser: Parser, token: Token) -> HeadCellNode:
    return HeadCellNode(*_parse(parser, token, "endheadcell"))


@register.tag("table")
def do_table(parser: Parser, token: Token) -> TableNode:
    return TableNode(*_parse(parser, token, "endtable"))


@register.tag("row")
def do_row(parser: Parser, token: Token) -> RowNode:
    return RowNode(*_parse(parser, token, "endrow"))


@register.tag("cell")
def do_cell(parser: Parser, token: Token) -> CellNode:
    return CellNode(*_parse(parser, token, "endcell"))


class SummaryListNode(Node):
    def __init__(self, args: list[FilterExpression], kwargs: dict[str, FilterExpression], nodelist: NodeList):
        self.args, self.kwargs, self.nodelist = args, kwargs, nodelist

    def render(self, context: Context) -> str:
        _args, opts = _values(context, self.args, self.kwargs)
        body = self.nodelist.render(context)
        border = opts.get("border", True)
        return render_to_string(
            "_components/summary_list.html",
            {
                "classes": _classes(
                    "nhsuk-summary-list",
                    "" if border else "nhsuk-summary-list--no-border",
                    opts.get("classes"),
                ),
                "testid": opts.get("testid"),
                "body": body,
            },
        )


class SummaryRowNode(Node):
    def __init__(self, args: list[FilterExpression], kwargs: dict[str, FilterExpression], nodelist: NodeList):
        self.args, self.kwargs, self.nodelist = args, kwargs, nodelist

    def render(self, context: Context) -> str:
        args, opts = _values(context, self.args, self.kwargs)
        key = args[0] if args else opts.get("key")
        if not self.args and "key" not in self.kwargs:
            raise template.TemplateSyntaxError("A summary list row needs a key.")
        if not key:  # a label from configuration left blank: the row still shows, never a 500
            key = "–"
        return render_to_string(
            "_components/summary_row.html",
            {
                "key": key,
                "value": self.nodelist.render(context),
                "href": opts.get("href"),
                "action": opts.get("action") or "Change",
                "context": opts.get("context") or "",
                "testid": opts.get("testid"),
                "classes": opts.get("classes"),
            },
        )


@register.tag("summary_list")
def do_summary_list(parser: Parser, token: Token) -> SummaryListNode:
    return SummaryListNode(*_parse(parser, token, "endsummary_list"))


@register.tag("summary_row")
def do_summary_row(parser: Parser, token: Token) -> SummaryRowNode:
    return SummaryRowNode(*_parse(parser, token, "endsummary_row"))
