"""A dashboard scope for tests: any period, with the filters the page's query string would set."""

import datetime as dt

from dashboards.period import Scope


def scope_for(
    world, start: dt.datetime, end: dt.datetime, *, rep=None, pipeline=None, brand=None
) -> Scope:
    return Scope(
        tenant=world.tenant,
        start=start,
        end=end,
        pipeline_id=pipeline.pk if pipeline else None,
        brand_id=brand.pk if brand else None,
        rep=rep,
        label="test period",
        period="custom",
    )
