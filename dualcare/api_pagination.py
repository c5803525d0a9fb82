"""Page-number pagination as the API schema documents it (kept apart: DRF's settings import it)."""

import re

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination

_PAGE_NUMBER = re.compile(r"[0-9]+")  # str.isdigit() takes "²", which int() refuses


class Pagination(PageNumberPagination):
    """Page numbers as the schema says: a whole number from 1; past the last page is a 404."""

    last_page_strings = ()  # the schema says an integer, so "last" is not one

    def get_page_number(self, request, paginator):
        number = request.query_params.get(self.page_query_param)
        if number is None:
            return 1
        if not _PAGE_NUMBER.fullmatch(number) or int(number) < 1:
            raise ValidationError({self.page_query_param: ["Give a page number: a whole number from 1."]})
        return int(number)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_query_param:
                parameter["schema"]["minimum"] = 1
        return parameters
