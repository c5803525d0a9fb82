"""Query shapes the ORM does not write by itself, for plans an index can serve."""

from __future__ import annotations

from django.db.models import BooleanField, F, Func, QuerySet, Subquery


class InArray(Func):
    """`field IN (subquery)` that PostgreSQL plans as `field = ANY(ARRAY(subquery))`: the subquery
    (a user's few teams) is computed first, once, and its values go into the index condition,
    where an IN semi-join left the planner to read every team's rows of the day and filter them
    (a pharmacy's 332 collections out of the trust's 20,000: 1,236 ms, JIT compilation included,
    against 35 ms; issue 15). The same for the access rules' lists: a key worker's 1,300 people
    probed in the contacts' (service_user, due_on) index instead of the trust's 20,000 contacts of
    the day; a team's referrals through the two team indexes rather than all 100,000 read. The same
    rows either way. Other databases get the plain IN. Use in filter(), alone or in a Q."""

    output_field = BooleanField()
    conditional = True

    def __init__(self, field: str, values: QuerySet):
        super().__init__(F(field), Subquery(values))

    def _sides(self, compiler, connection):
        lhs, lhs_params = compiler.compile(self.source_expressions[0])
        rhs, rhs_params = compiler.compile(self.source_expressions[1])  # "(SELECT ...)"
        return lhs, rhs, (*lhs_params, *rhs_params)

    def as_sql(self, compiler, connection, **extra):
        lhs, rhs, params = self._sides(compiler, connection)
        return f"{lhs} IN {rhs}", params

    def as_postgresql(self, compiler, connection, **extra):
        lhs, rhs, params = self._sides(compiler, connection)
        return f"{lhs} = ANY(ARRAY{rhs})", params
