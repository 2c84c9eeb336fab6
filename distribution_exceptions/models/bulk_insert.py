# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Creating the engine's records by the thousand: one INSERT per model instead of ``create``.

A first scan opens thousands of exceptions at once, each with its owner's activity and follower,
and a chatter note on each document. Through ``create`` every activity and note cost about a
millisecond (defaults evaluated per record, HTML sanitised twice, followers looked up record by
record, the models' create overrides), more than the detection of all the rules together.
"""

from odoo.models import LOG_ACCESS_COLUMNS
from odoo.tools import clean_context


def insert_rows(model, vals_list):
    """Create ``model`` records from ``vals_list`` in one INSERT and return them (as ``model``).

    Every dict of ``vals_list`` has the same keys: stored fields with column values (ids for
    relational fields). HTML values are stored as given, not sanitised: give trusted markup only,
    built with ``Markup`` so that every variable part is escaped.

    What ``create`` would do besides, this does once for the whole batch: the defaults of the
    columns left out are evaluated once, the log-access columns are filled, stored computed fields
    left out are computed by the ORM at the next flush, fields depending on the new rows are marked
    and the one2many fields they belong to are forgotten from the cache; database and Python
    constraints apply. The model's ``create`` overrides do not run, and access rights are not
    checked: the caller does what it needs of them (followers, notifications) and runs as the
    engine, after its own checks.
    """
    if not vals_list:
        return model.browse()
    assert not model._parent_store, "parent_path is not maintained here"
    env, model_fields = model.env, model._fields
    names = list(vals_list[0])
    left_out = [
        name
        for name, field in model_fields.items()
        if field.store
        and field.column_type
        and not field.compute
        and name not in names
        and name not in LOG_ACCESS_COLUMNS
        and name != "id"
    ]
    defaults = model.with_context(clean_context(env.context)).default_get(left_out)
    columns = names + list(defaults)
    default_values = [
        model_fields[name].convert_to_column_insert(value, model, defaults)
        for name, value in defaults.items()
    ]
    log_access = []
    if model._log_access:
        columns += LOG_ACCESS_COLUMNS
        now = env.cr.now()
        log_access = [env.uid, now, env.uid, now]
    html = {name for name in names if model_fields[name].type == "html"}
    params = []
    for vals in vals_list:
        for name in names:
            value = vals[name]
            if name in html:
                params.append(str(value) if value else None)
            else:
                params.append(model_fields[name].convert_to_column_insert(value, model, vals))
        params += default_values
        params += log_access
    row = "(" + ", ".join(["%s"] * len(columns)) + ")"
    column_list = ", ".join(f'"{name}"' for name in columns)
    # plain placeholders, bound by psycopg2 in C: thousands of rows in one statement
    env.cr.execute(
        f'INSERT INTO "{model._table}" ({column_list}) '
        f"VALUES {', '.join([row] * len(vals_list))} RETURNING id",
        params,
    )
    records = model.browse([row[0] for row in env.cr.fetchall()])

    # what create leaves in the cache, minus HTML (sanitised when read) and relations
    for name in names:
        field = model_fields[name]
        if name not in html and not field.translate and field.type not in ("one2many", "many2many"):
            env.cache.update(
                records, field, [field.convert_to_cache(vals[name], model) for vals in vals_list]
            )
    for field in model_fields.values():
        if field.store and field.compute and field.name not in names:
            env.add_to_compute(field, records)
    # the computed fields given (a related severity...) are not computed again
    with env.protecting([model_fields[name] for name in names], records):
        records.modified(list(model_fields), create=True)
    for name in names:
        for inverse in model.pool.field_inverses[model_fields[name]]:
            env[inverse.model_name].invalidate_model([inverse.name], flush=False)
    records._validate_fields(names)
    return records
