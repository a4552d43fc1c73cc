"""The ontology (semantic layer) of one source: objects, attributes, metrics, relationships.

Derived automatically from the source's schema (see ``derive.py``), editable as YAML.
Names are the source's own table and column names; labels and synonyms are the words
people use for them.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

AttributeRole = Literal["dimension", "time", "measure", "identifier"]
MetricFormat = Literal["number", "currency", "percent"]


class Attribute(BaseModel):
    #: The column name in the source.
    name: str
    #: Human label, e.g. "customer name".
    label: str
    role: AttributeRole
    #: Normalised type family (see ``parley.sources.base.ColumnInfo.type``).
    type: str
    synonyms: list[str] = Field(default_factory=list)
    #: Known distinct values of a low-cardinality text column, for matching words of a
    #: question to filters ("US customers"). Data, not semantics: not exported to YAML.
    values: list[str] = Field(default_factory=list)
    #: True when a user edited this attribute; re-introspection then keeps the edit.
    edited: bool = False
    hidden: bool = False


class Object(BaseModel):
    #: The table name in the source.
    name: str
    #: Singular human label, e.g. "customer".
    label: str
    plural: str
    synonyms: list[str] = Field(default_factory=list)
    attributes: list[Attribute] = Field(default_factory=list)
    primary_key: list[str] = Field(default_factory=list)
    #: The attribute that names a row ("customer_name"): what "by customer" groups by.
    display_attribute: str | None = None
    #: The attribute that dates a row ("order_date"), when the object has one.
    default_time: str | None = None
    row_count: int | None = None
    edited: bool = False
    hidden: bool = False
    #: The schema the table lives in, when not the default one.
    schema_name: str | None = None
    #: A view of the source (not a table): the guard reads it under row filters only when
    #: a filter applies to it. Always taken from the source, never from an edited file.
    view: bool = False

    def attribute(self, name: str) -> Attribute | None:
        for attribute in self.attributes:
            if attribute.name == name:
                return attribute
        return None


class Metric(BaseModel):
    #: Identifier and output column name, e.g. "revenue".
    name: str
    label: str
    #: The object whose rows are aggregated.
    object: str
    #: Aggregate SQL expression (DuckDB dialect, parsed with sqlglot) over the object's
    #: columns, written unqualified, e.g. ``SUM(quantity * unit_price)``.
    expression: str
    synonyms: list[str] = Field(default_factory=list)
    format: MetricFormat = "number"
    #: How it combines: "sum" metrics can be shared/summed, "avg" ones cannot.
    additive: bool = True
    description: str = ""
    edited: bool = False


class Relationship(BaseModel):
    """A many-to-one link: each row of ``from_object`` refers to one row of ``to_object``."""

    from_object: str
    from_columns: list[str]
    to_object: str
    to_columns: list[str]
    #: "foreign_key" when declared by the schema, "name_match" when inferred from names
    #: (and, when the data could be read, checked on it), "user" when added by an edit.
    origin: Literal["foreign_key", "name_match", "user"] = "foreign_key"
    #: Human name for the role when one object is referred to twice ("manager").
    label: str = ""
    #: For an inferred ("name_match") link checked on the data: the share of the sampled
    #: distinct values of ``from_columns`` found in ``to_columns``. None when not measured.
    overlap: float | None = None


class NamedFilter(BaseModel):
    """A business definition of a kind of row ("active customer": ordered in the last 90
    days): a condition with a name the parser understands in every question."""

    #: Identifier, e.g. "active_customers"; what a SemanticQuery's ``named_filters`` list.
    name: str
    #: The words people use, singular, e.g. "active customer".
    label: str
    #: The object whose rows it keeps.
    object: str
    #: A SQL condition (DuckDB dialect) over the object's columns written unqualified; it
    #: may read other tables in a subquery (which the guard filters like any other).
    condition: str
    synonyms: list[str] = Field(default_factory=list)
    description: str = ""


class Ontology(BaseModel):
    source: str
    dialect: str
    objects: list[Object] = Field(default_factory=list)
    metrics: list[Metric] = Field(default_factory=list)
    relationships: list[Relationship] = Field(default_factory=list)
    #: Business definitions taught by people; never derived.
    filters: list[NamedFilter] = Field(default_factory=list)

    def object(self, name: str) -> Object | None:
        for obj in self.objects:
            if obj.name == name:
                return obj
        return None

    def metric(self, name: str) -> Metric | None:
        for metric in self.metrics:
            if metric.name == name:
                return metric
        return None

    def named_filter(self, name: str) -> NamedFilter | None:
        for named in self.filters:
            if named.name == name:
                return named
        return None

    def resolve(self, field: str) -> tuple[Object, Attribute]:
        """The object and attribute named by an ``"object.attribute"`` reference."""
        object_name, _, attribute_name = field.rpartition(".")
        obj = self.object(object_name)
        attribute = obj.attribute(attribute_name) if obj else None
        if obj is None or attribute is None:
            raise KeyError(f"unknown field {field!r}")
        return obj, attribute
