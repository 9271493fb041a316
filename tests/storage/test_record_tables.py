"""Each record kind of the vocabulary has one table descriptor, and what it says is its model's."""

from storage import vocabulary as v
from storage.models import Task
from storage.record_tables import MODELS, TABLES, table_named, table_of


def test_every_record_kind_has_one_table_in_the_vocabularys_order():
    assert tuple(t.kind for t in TABLES) == v.RECORD_KINDS
    assert MODELS == tuple(t.model for t in TABLES)
    for t in TABLES:
        assert table_named(t.kind) is t
        assert table_of(t.model) is t


def test_a_tables_columns_are_its_models_and_its_site_is_named_alike_in_tasks():
    for t in TABLES:
        for column in (t.site, t.time, *([t.type_column] if t.type_column is not None else [])):
            assert column.class_ is t.model
        assert hasattr(Task, t.site_name)  # a task names its site as its record does
        assert hasattr(t.site_model, "name")
        assert set(t.types) <= set(v.VISIT_TYPES) and (t.type_column is None) == (not t.types)
