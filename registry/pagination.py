from rest_framework import pagination


class Pagination(pagination.PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    page_query_description = "Sidnummer, från 1."
    page_size_query_description = "Antal per sida (högst 500)."
