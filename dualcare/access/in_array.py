"""`column IN (subquery)` that PostgreSQL answers through the column's index (issue 15).

Part of dualcare.access: the rules' subqueries, in the shape an index can serve."""

from __future__ import annotations

from django.db.models import BooleanField, Expression, F, QuerySet, Subquery


class InArray(Expression):
    """`lookup IN (subquery)`; on PostgreSQL `lookup = ANY(ARRAY(subquery))`, which runs the
    subquery once (an InitPlan) and hands its values to the planner as an index condition on the
    column: the rows are found through the column's index, one probe per value, rather than by
    reading every row the other conditions allow and testing each against the subquery (issue
    15: a key worker's 1,300 people probed in the contacts' (service_user, due_on) index instead
    of the trust's 20,000 contacts of the day; a team's referrals through the team indexes, two
    of them OR'd, rather than all 100,000 read). The same rows either way."""

    output_field = BooleanField()

    def __init__(self, lookup: str, subquery: QuerySet):
        super().__init__(output_field=BooleanField())
        self.lookup, self.subquery = F(lookup), Subquery(subquery)

    def get_source_expressions(self):
        return [self.lookup, self.subquery]

    def set_source_expressions(self, expressions):
        self.lookup, self.subquery = expressions

    def _compiled(self, compiler):
        column, column_params = compiler.compile(self.lookup)
        values, values_params = compiler.compile(self.subquery)  # "(SELECT ...)"
        return column, values, (*column_params, *values_params)

    def as_sql(self, compiler, connection):
        column, values, params = self._compiled(compiler)
        return f"{column} IN {values}", params

    def as_postgresql(self, compiler, connection):
        column, values, params = self._compiled(compiler)
        return f"{column} = ANY(ARRAY{values})", params
