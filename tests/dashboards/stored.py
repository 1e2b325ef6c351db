"""A rollup's rows as stored, to tell which ones a sweep wrote again."""


def stored_rows(world, tables: dict) -> dict[tuple, tuple]:
    """The tenant's rows of each model in `tables` (model -> its key columns) by model name and
    keys: (where the row is stored, its other columns' values). A row written again (updated, or
    deleted and inserted) is stored elsewhere, even with the same values."""
    rows = {}
    with world.active():
        for model, keys in tables.items():
            figures = [
                field.column
                for field in model._meta.concrete_fields
                if field.column not in {"id", "tenant_id", *keys}
            ]
            found = (
                model.objects.filter(tenant=world.tenant)
                .extra(select={"stored": "ctid::text"})
                .values("stored", *keys, *figures)
            )
            for row in found:
                rows[(model.__name__, *(row[key] for key in keys))] = (
                    row["stored"],
                    [row[figure] for figure in figures],
                )
    return rows
